"""Validation: every check over a loaded project, as one list of findings.

`validate_project` is what the CLI, the pytest plugin, pre-commit and CI call.
It never prints; reporters in `validate.report` render the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..content.load import FileKind, Project
from ..findings import Finding
from ..lifecycle.deprecation import reused_ids
from .cross_file import check_project
from .rule_checks import check_item, check_meta

UNCHECKED_KINDS = (FileKind.SAMPLE, FileKind.TESTS, FileKind.WORKBOOK)
"""Files validate does not read yet: test cases and samples belong to `test`."""


@dataclass
class ValidationResult:
    files_checked: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))


def parameter_problems(item):
    """Declared rule parameters must be top-level `let NAME = literal;` statements (deploy.render)."""
    from ..deploy.render import parameter_problems as problems

    return problems(item)


def validate_project(project: Project, selection: Iterable[Path] | None = None, kql: bool = True) -> ValidationResult:
    """Check the whole project; report findings for files under `selection`.

    Cross-file checks always see every file (a new rule's id must be unique
    against all others even when only that rule is being validated).
    `kql=False` turns semantic KQL checks off (the CLI's explicit --no-kql);
    with them on, a parser that cannot load raises KqlUnavailableError.
    """
    findings = list(project.findings)
    for item in project.items():
        findings.extend(check_item(item))
        findings.extend(parameter_problems(item))
    for meta in project.metas:
        findings.extend(check_meta(meta))
    findings.extend(check_project(project))
    findings.extend(reused_ids(project))
    files = [p for p, kind in project.files.items() if kind not in UNCHECKED_KINDS]
    if selection is not None:
        chosen = [Path(p).resolve() for p in selection]
        # a watchlist's CSV or a workbook's JSON stands for its definition (pre-commit passes the changed file)
        chosen += [w.source.path.resolve() for w in project.watchlists if w.csv_path.resolve() in chosen]
        chosen += [w.source.path.resolve() for w in project.workbooks if w.data_path.resolve() in chosen]
        files = [p for p in files if any(_within(p, c) for c in chosen)]
    if kql:
        findings.extend(_kql_findings(project, None if selection is None else set(files)))
    if selection is not None:
        shown = {project.display(p) for p in files}
        shown |= {project.display(w.csv_path) for w in project.watchlists if w.source.path.resolve() in files}
        shown |= {project.display(w.data_path) for w in project.workbooks if w.source.path.resolve() in files}
        findings = [f for f in findings if f.file in shown]
    findings.sort(key=lambda f: (f.file, f.line, f.column, f.code))
    return ValidationResult(files_checked=len(files), findings=findings)


def _kql_findings(project: Project, only: set[Path] | None) -> list[Finding]:
    """Semantic checks of every query in scope (all of them, or those in the selected files)."""
    from ..kql import project_functions
    from .kql_checks import check_project_kql
    from .workbook_checks import check_workbook_kql

    def wanted(path: Path) -> bool:
        return only is None or path.resolve() in only

    items = [i for i in project.items() if wanted(i.path)]
    parsers = [p for p in project.parsers if wanted(p.source.path)]
    workbooks = [w for w in project.workbooks if wanted(w.source.path)]
    if not items and not parsers and not workbooks:
        return []  # nothing to analyse: do not start the parser
    functions = project_functions(project.watchlists, project.parsers)
    findings = check_project_kql(items, parsers, project.catalog, functions)
    for workbook in workbooks:
        findings += check_workbook_kql(workbook, project.display(workbook.data_path), project.catalog, functions)
    return findings


def _within(path: Path, chosen: Path) -> bool:
    return path == chosen or chosen in path.parents
