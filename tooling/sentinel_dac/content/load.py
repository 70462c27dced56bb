"""Find content files, load them, and return the typed project.

Files are classified by where they live (the folders named in
sentinel-dac.yaml) and by suffix: `<rule>.meta.yaml` is our metadata for the
rule beside it, `<rule>.tests.yaml` its test cases, `*.jsonl` recorded
samples. A YAML file outside the content folders (e.g. one passed on the
command line) is classified by its fields.

Loading stops at nothing: every file's problems become findings and the
loader moves on, so one run reports everything (contentctl's director, not
Elastic's fail-fast loader).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from ..catalog.tables import TableCatalog, builtin_catalog, load_catalog
from ..config import ProjectConfig
from ..findings import Finding, Level
from ..schemas.check import check_schema
from .build import build_hunting, build_meta, build_parser, build_rule
from .model import AnalyticsRule, HuntingQuery, Parser, RuleMeta, Watchlist, Workbook
from .watchlists import build_watchlist
from .workbooks import DEFINITION_SUFFIXES, build_workbook
from .yamlsrc import YamlDoc, YamlLoadError, load_yaml

YAML_SUFFIXES = (".yaml", ".yml")


class FileKind(StrEnum):
    RULE = "analytics-rule"
    HUNTING = "hunting-query"
    PARSER = "parser"
    WATCHLIST = "watchlist"
    META = "rule-meta"
    TESTS = "tests"
    SAMPLE = "sample"
    WORKBOOK = "workbook"
    WORKBOOK_DEF = "workbook-definition"


SCHEMA_OF = {
    FileKind.RULE: "analytics-rule",
    FileKind.HUNTING: "hunting-query",
    FileKind.PARSER: "parser",
    FileKind.WATCHLIST: "watchlist",
    FileKind.META: "rule-meta",
    FileKind.WORKBOOK_DEF: "workbook",
}


@dataclass
class Project:
    config: ProjectConfig
    rules: list[AnalyticsRule] = field(default_factory=list)
    hunting: list[HuntingQuery] = field(default_factory=list)
    parsers: list[Parser] = field(default_factory=list)
    watchlists: list[Watchlist] = field(default_factory=list)
    metas: list[RuleMeta] = field(default_factory=list)
    test_files: list[Path] = field(default_factory=list)
    sample_files: list[Path] = field(default_factory=list)
    workbook_files: list[Path] = field(default_factory=list)
    workbooks: list[Workbook] = field(default_factory=list)
    files: dict[Path, FileKind | None] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    catalog: TableCatalog = field(default_factory=builtin_catalog)

    @property
    def root(self) -> Path:
        return self.config.root

    def display(self, path: Path) -> str:
        return display_path(path, self.config.root)

    def items(self) -> list[AnalyticsRule | HuntingQuery]:
        return [*self.rules, *self.hunting]


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_project(config: ProjectConfig, extra_paths: Iterable[Path] = ()) -> Project:
    """Load every content file under the configured folders, plus `extra_paths`."""
    project = Project(config=config)
    project.catalog, table_findings = load_catalog(config.paths.get("tables"), project.display)
    project.findings.extend(table_findings)
    for path in _discover(config, extra_paths):
        project.files[path] = classify(path, config)
    for path, kind in project.files.items():
        _load_file(project, path, kind)
    _attach_metas(project)
    _check_orphan_workbooks(project)
    return project


def _check_orphan_workbooks(project: Project) -> None:
    """A workbook JSON with no definition is never deployed: say so rather than skip it silently."""
    used = {wb.data_path.resolve() for wb in project.workbooks}
    for path in project.workbook_files:
        stem = path.with_suffix("")
        if path.resolve() in used or any(stem.with_name(stem.name + s).is_file() for s in DEFINITION_SUFFIXES):
            continue
        project.findings.append(
            Finding(
                project.display(path),
                1,
                1,
                "DAC255",
                f"workbook JSON has no {stem.name}.workbook.yaml definition beside it (id, displayName), "
                "so it is not deployed",
                level=Level.WARNING,
            )
        )


def _discover(config: ProjectConfig, extra_paths: Iterable[Path]) -> list[Path]:
    seen: dict[Path, None] = {}
    roots = [p for p in config.paths.values() if p.is_dir()]
    for base in [*roots, *extra_paths]:
        for path in _walk(Path(base)):
            seen.setdefault(path.resolve(), None)
    return list(seen)


def _walk(base: Path) -> Iterable[Path]:
    if base.is_file():
        yield base
        return
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if name.endswith((*YAML_SUFFIXES, ".jsonl", ".json")):
                yield Path(dirpath) / name


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def classify(path: Path, config: ProjectConfig) -> FileKind | None:
    """Kind of a file from its name and folder; None means "decide by its fields"."""
    name = path.name
    if name.endswith((".meta.yaml", ".meta.yml")):
        return FileKind.META
    if name.endswith((".tests.yaml", ".tests.yml")):
        return FileKind.TESTS
    if name.endswith(".jsonl"):
        return FileKind.SAMPLE
    folder_kinds = [
        ("watchlists", FileKind.WATCHLIST),
        ("parsers", FileKind.PARSER),
        ("workbooks", FileKind.WORKBOOK),
        ("hunting", FileKind.HUNTING),
        ("detections", FileKind.RULE),
    ]
    for key, kind in folder_kinds:
        if _under(path, config.paths[key]):
            if kind is FileKind.WORKBOOK:
                if name.endswith(DEFINITION_SUFFIXES):
                    return FileKind.WORKBOOK_DEF
                return kind if name.endswith(".json") else None
            return kind if name.endswith(YAML_SUFFIXES) else FileKind.SAMPLE
    return None if name.endswith(YAML_SUFFIXES) else FileKind.SAMPLE


def classify_by_fields(data: dict) -> FileKind | None:
    if "FunctionQuery" in data or "FunctionName" in data:
        return FileKind.PARSER
    if "watchlistAlias" in data:
        return FileKind.WATCHLIST
    if any(k in data for k in ("kind", "queryFrequency", "triggerOperator")):
        return FileKind.RULE  # hunting queries may carry a severity, never a schedule
    if "query" in data:
        return FileKind.HUNTING
    return None


def _load_file(project: Project, path: Path, kind: FileKind | None) -> None:
    if kind is FileKind.TESTS:
        project.test_files.append(path)
        return
    if kind is FileKind.SAMPLE:
        if path.suffix == ".jsonl":
            project.sample_files.append(path)
        return
    if kind is FileKind.WORKBOOK:
        project.workbook_files.append(path)
        return
    display = project.display(path)
    try:
        doc = load_yaml(path, display)
    except YamlLoadError as exc:
        project.findings.extend(exc.findings)
        return
    project.findings.extend(doc.findings)
    if kind is None:
        kind = classify_by_fields(doc.data)
        project.files[path] = kind
        if kind is None:
            project.findings.append(
                Finding(
                    display,
                    1,
                    1,
                    "DAC109",
                    "cannot tell what this file is: not an analytics rule, hunting query, "
                    "parser or watchlist (no kind/query/FunctionQuery/watchlistAlias field)",
                )
            )
            return
    problems = check_schema(doc, SCHEMA_OF[kind])
    project.findings.extend(problems)
    if any(f.is_error for f in [*problems, *doc.findings]):
        return  # only well-formed documents become typed objects
    _add(project, kind, doc)


def _add(project: Project, kind: FileKind, doc: YamlDoc) -> None:
    if kind is FileKind.RULE:
        project.rules.append(build_rule(doc))
    elif kind is FileKind.HUNTING:
        project.hunting.append(build_hunting(doc))
    elif kind is FileKind.PARSER:
        project.parsers.append(build_parser(doc))
    elif kind is FileKind.META:
        project.metas.append(build_meta(doc))
    elif kind is FileKind.WATCHLIST:
        wl, problems = build_watchlist(doc, project.display)
        project.findings.extend(problems)
        if wl is not None:
            project.watchlists.append(wl)
    elif kind is FileKind.WORKBOOK_DEF:
        wb, problems = build_workbook(doc, project.display)
        project.findings.extend(problems)
        if wb is not None:
            project.workbooks.append(wb)


def sibling_stem(path: Path) -> Path:
    """`x/rule.meta.yaml` and `x/rule.tests.yaml` → `x/rule` (the rule's stem)."""
    name = path.name
    for suffix in (".meta.yaml", ".meta.yml", ".tests.yaml", ".tests.yml", ".yaml", ".yml"):
        if name.endswith(suffix):
            return path.with_name(name[: -len(suffix)])
    return path.with_suffix("")


def _attach_metas(project: Project) -> None:
    by_stem = {sibling_stem(item.path.resolve()): item for item in project.items()}
    for meta in project.metas:
        item = by_stem.get(sibling_stem(meta.source.path.resolve()))
        if item is not None:
            item.meta = meta
