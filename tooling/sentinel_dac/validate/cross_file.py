"""Checks across files: ids and names unique, siblings attached, aliases unique.

These are pySigma's `finalize()` step: they need the whole project, so they
run after every file was checked on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..content.load import FileKind, Project, sibling_stem
from ..findings import Finding


def check_project(project: Project) -> list[Finding]:
    return [
        *_unique_ids(project),
        *_unique_names(project),
        *_unique_watchlists(project),
        *_unique_functions(project),
        *_orphan_siblings(project),
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
