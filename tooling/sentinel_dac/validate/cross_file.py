"""Checks across files: ids and names unique, siblings attached, aliases unique, externaldata copies present.

These are pySigma's `finalize()` step: they need the whole project, so they
run after every file was checked on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..content.load import FileKind, Project, sibling_stem
from ..engine.errors import EngineError
from ..engine.externaldata import externaldata_urls
from ..engine.syntax import parse
from ..findings import Finding, Level


def check_project(project: Project) -> list[Finding]:
    return [
        *_unique_ids(project),
        *_unique_names(project),
        *_unique_watchlists(project),
        *_unique_functions(project),
        *_orphan_siblings(project),
        *_externaldata_copies(project),
    ]


def _dupes(entries: Iterable[tuple[str, str, int, int, str]], code: str, what: str) -> Iterable[Finding]:
    """entries: (key, file, line, column, label); report every later duplicate."""
    first: dict[str, tuple[str, int]] = {}
    for key, file, line, col, label in entries:
        if key in first:
            ofile, oline = first[key]
            yield Finding(file, line, col, code, f"{what} '{label}' is already used by {ofile}:{oline}")
        else:
            first[key] = (file, line)


def _unique_ids(project: Project) -> Iterable[Finding]:
    entries = []
    for item in [*project.items(), *project.parsers]:
        pos = item.source.pos(("id",))
        entries.append((item.id.lower(), item.display, pos.line, pos.column, item.id))
    yield from _dupes(entries, "DAC300", "id")


def _unique_names(project: Project) -> Iterable[Finding]:
    for group in (project.rules, project.hunting):
        entries = []
        for item in group:
            pos = item.source.pos(("name",))
            entries.append((item.name.strip().casefold(), item.display, pos.line, pos.column, item.name))
        yield from _dupes(entries, "DAC301", "name")


def _unique_watchlists(project: Project) -> Iterable[Finding]:
    entries = []
    for wl in project.watchlists:
        pos = wl.source.pos(("watchlistAlias",))
        entries.append((wl.alias.casefold(), wl.display, pos.line, pos.column, wl.alias))
    yield from _dupes(entries, "DAC302", "watchlist alias")


def _unique_functions(project: Project) -> Iterable[Finding]:
    entries = []
    for p in project.parsers:
        for key in ("FunctionName", "FunctionAlias"):
            pos = p.source.pos((key,))
            value = p.function_name if key == "FunctionName" else p.function_alias
            if key == "FunctionAlias" and p.function_alias == p.function_name:
                continue
            entries.append((value, p.display, pos.line, pos.column, value))
    yield from _dupes(entries, "DAC304", "function name")


def _orphan_siblings(project: Project) -> Iterable[Finding]:
    owners: set[Path] = {
        sibling_stem(path) for path, kind in project.files.items() if kind in (FileKind.RULE, FileKind.HUNTING)
    }
    for path, kind in project.files.items():
        if kind in (FileKind.META, FileKind.TESTS) and sibling_stem(path) not in owners:
            yield Finding(
                project.display(path),
                1,
                1,
                "DAC303",
                f"no rule or hunting query named {sibling_stem(path).name}.yaml beside this file",
            )


def _externaldata_copies(project: Project) -> Iterable[Finding]:
    """The recorded copies sentinel-dac.yaml names must exist (DAC253, error), and a rule or hunting query
    with test cases that reads externaldata needs a copy of each URL (DAC513, warning: its cases would be
    refused by the embedded engine, which reads no network)."""
    config = project.config
    copies = config.external_data
    if copies and config.config_file is not None:
        text = config.config_file.read_text(encoding="utf-8")
        for url, path in copies.items():
            if not path.is_file():
                line = text[: max(text.find(url), 0)].count("\n") + 1
                yield Finding(
                    config.config_file.name,
                    line,
                    1,
                    "DAC253",
                    f"externaldata copy {project.display(path)} (for {url}) does not exist",
                    field="externaldata",
                )
    tested = {sibling_stem(p.resolve()) for p in project.test_files}
    for item in project.items():
        if sibling_stem(item.path.resolve()) not in tested or "externaldata" not in item.query.lower():
            continue
        try:
            urls = externaldata_urls(parse(item.query))
        except EngineError:
            continue  # KQL the embedded engine cannot parse: its cases report that
        for url, offset in urls:
            if url not in copies:
                pos = item.query_pos(offset)
                yield Finding(
                    item.display,
                    pos.line,
                    pos.column,
                    "DAC513",
                    f"the test cases beside this query cannot run offline: it reads externaldata {url}, and "
                    "sentinel-dac.yaml names no recorded copy of it (externaldata: {URL: path})",
                    level=Level.WARNING,
                    field="query",
                )
