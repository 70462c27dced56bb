"""The repository checks `check` runs beside validate and test: lock, canonical format, generated docs.

They are the same functions as `version check`, `fmt --check` and `docs --check`; `check` runs them so
the one main job (and CI, which runs exactly the README's commands) catches a stale lock or catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..content.load import Project
from ..findings import Finding
from .catalogue import DOCS_DIR, sync_docs
from .fmt import check_findings, format_project
from .versions import check_versions

FIXES = {
    "version": "sentinel-dac version lock (or version bump)",
    "fmt": "sentinel-dac fmt",
    "docs": "sentinel-dac docs",
}


@dataclass
class HygieneResult:
    findings: dict[str, list[Finding]]

    @property
    def ok(self) -> bool:
        return not any(self.findings.values())

    def summary(self) -> str:
        if self.ok:
            return "lifecycle: ok -- version lock, canonical format and rule docs up to date"
        failed = [f"{name} (fix: {FIXES[name]})" for name, found in self.findings.items() if found]
        return "lifecycle: FAILED -- " + "; ".join(failed)


def check_repository(project: Project) -> HygieneResult:
    """Version lock against the content, canonical YAML, and docs/rules matching the content.

    The rule catalogue is checked once a project has one (`sentinel-dac docs` wrote docs/rules/);
    the lock always: without it no version change can be enforced.
    """
    has_docs = (project.root / DOCS_DIR).is_dir()
    return HygieneResult(
        {
            "version": check_versions(project, None).findings,
            "fmt": check_findings(format_project(project, None)),
            "docs": sync_docs(project, check=True).findings if has_docs else [],
        }
    )
