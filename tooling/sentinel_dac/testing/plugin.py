"""pytest plugin: every rule's test cases are pytest items, beside the tooling tests.

Registered through the `pytest11` entry point, so plain `pytest` collects
`<rule>.tests.yaml` files inside a project's content folders (add the folder
to `testpaths`). Node ids read `detections/kv/rule.tests.yaml::case name`.
It calls the same `collect` and `run_case` as `sentinel-dac test`; a rule
without the required cases is a failing `[required cases]` item on the rule
file, a case the engine cannot run is skipped with the reason ("not run").
Disable with `-p no:sentinel_dac`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..config import find_root, load_config
from ..content.load import Project, load_project
from .data import SampleCache
from .runner import RuleTests, collect, run_case

_PROJECTS = pytest.StashKey[dict]()
_CACHES = pytest.StashKey[dict]()
_ENGINE = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_PROJECTS] = {}
    config.stash[_CACHES] = {}


def pytest_unconfigure(config: pytest.Config) -> None:
    engine = config.stash.get(_ENGINE, None)
    if engine is not None:
        engine.close()


def _project(config: pytest.Config, path: Path) -> Project | None:
    root = find_root(path.parent)
    if root is None:
        return None
    projects = config.stash[_PROJECTS]
    if root not in projects:
        projects[root] = load_project(load_config(root))
    return projects[root]


def _cache(config: pytest.Config, project: Project) -> SampleCache:
    """One sample cache per project for the session: a sample file is read and typed once, not per case."""
    caches = config.stash[_CACHES]
    if project.config.root not in caches:
        caches[project.config.root] = SampleCache(project)
    return caches[project.config.root]


def _engine(config: pytest.Config):
    if _ENGINE not in config.stash:
        from ..engine.embedded import EmbeddedEngine

        config.stash[_ENGINE] = EmbeddedEngine()
    return config.stash[_ENGINE]


def _in_content(project: Project, path: Path) -> bool:
    folders = [project.config.paths[k].resolve() for k in ("detections", "hunting")]
    return any(f in path.resolve().parents for f in folders)


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    name = file_path.name
    if not name.endswith((".yaml", ".yml")) or name.endswith((".meta.yaml", ".meta.yml")):
        return None
    project = _project(parent.config, file_path)
    if project is None or not _in_content(project, file_path):
        return None
    if name.endswith((".tests.yaml", ".tests.yml")):
        return RuleTestsFile.from_parent(parent, path=file_path)
    resolved = file_path.resolve()
    rule = next((r for r in project.rules if r.path.resolve() == resolved), None)
    if rule is not None and project.config.require_cases:
        sibling = [resolved.with_name(resolved.name.rsplit(".", 1)[0] + s) for s in (".tests.yaml", ".tests.yml")]
        if not any(p.exists() for p in sibling):
            return RuleFile.from_parent(parent, path=file_path)
    return None


class RuleFile(pytest.File):
    """A rule with no tests file at all: one failing item that says so."""

    def collect(self):
        project = _project(self.config, self.path)
        rules = collect(project, [self.path])
        rt = rules[0] if rules else None
        if rt is not None and rt.problems:
            yield ProblemItem.from_parent(self, name="[required cases]", rule_tests=rt)


class RuleTestsFile(pytest.File):
    def collect(self):
        project = _project(self.config, self.path)
        rules = collect(project, [self.path])
        if not rules:
            yield ProblemItem.from_parent(self, name="[tests file]", rule_tests=None)
            return
        rt = rules[0]
        if rt.problems:
            yield ProblemItem.from_parent(self, name="[tests file]", rule_tests=rt)
        for case in rt.cases:
            yield CaseItem.from_parent(self, name=case.name, rule_tests=rt, case=case)


class CaseFailed(Exception):
    pass


class CaseItem(pytest.Item):
    def __init__(self, *, rule_tests: RuleTests, case, **kwargs):
        super().__init__(**kwargs)
        self.rule_tests = rule_tests
        self.case = case
        self.add_marker(pytest.mark.sentinel_dac)

    def runtest(self) -> None:
        project = _project(self.config, self.path)
        result = run_case(project, self.rule_tests, self.case, _engine(self.config), _cache(self.config, project))
        if result.status == "not_run":
            pytest.skip(result.message)
        if result.status == "failed":
            raise CaseFailed(f"{self.rule_tests.display} :: {self.case.name} ({self.case.kind})\n{result.message}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.case.line - 1, f"{self.rule_tests.display} :: {self.case.name}"


class ProblemItem(pytest.Item):
    """Problems with the tests file or the rule's coverage, as one failing item."""

    def __init__(self, *, rule_tests: RuleTests | None, **kwargs):
        super().__init__(**kwargs)
        self.rule_tests = rule_tests

    def runtest(self) -> None:
        if self.rule_tests is None:
            raise CaseFailed(f"{self.path.name}: no rule named {self.path.name.split('.tests.')[0]}.yaml beside it")
        errors = [p for p in self.rule_tests.problems if p.is_error]
        if errors:
            raise CaseFailed("\n".join(f"{p.file}:{p.line}: {p.code} {p.message}" for p in errors))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, 0, f"{self.path.name}::{self.name}"
