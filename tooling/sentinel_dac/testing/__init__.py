"""Rule tests against recorded samples: test-case files, the runner, reports, the pytest plugin.

`run_project(project)` runs everything (what `sentinel-dac test` and `check`
call); `collect` + `run_case` are the same steps one case at a time (what
the pytest plugin calls).
"""

from __future__ import annotations

from .runner import CaseResult, RuleTests, TestReport, collect, run_case, run_project

__all__ = ["CaseResult", "RuleTests", "TestReport", "collect", "run_case", "run_project"]
