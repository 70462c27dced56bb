"""Compile a rule's query against the emulated workspace, the way Sentinel does when a rule is saved.

One analysis for everything: this is `sentinel_dac.kql.analyze` (Microsoft's Kusto.Language, the
parser `validate` and `doctor` use), bound to the workspace's Analytics-plan tables, the functions
deployed in it (saved searches with an alias, bodies included) and its watchlists' columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..catalog.tables import Column, TableCatalog, TableSchema
from ..content.watchlists import GETWATCHLIST_COLUMNS

WATCHLIST_COLUMNS = dict(GETWATCHLIST_COLUMNS)
"""Columns `_GetWatchlist()` adds to a watchlist's own CSV columns (one definition, in content.watchlists)."""

_CATALOGS: dict[int, tuple[Any, TableCatalog]] = {}


@dataclass(frozen=True)
class CompileProblem:
    code: str
    message: str
    line: int
    column: int
    unknown_table: bool = False
    unknown_name: str | None = None


def workspace_catalog(ws: Any) -> TableCatalog:
    """The workspace's queryable tables as a catalogue, built once per workspace (tables are fixed).

    kql.analyze caches its bound symbols per catalogue object, so reusing it keeps a PUT cheap.
    """
    hit = _CATALOGS.get(id(ws))
    if hit is None or hit[0] is not ws:
        schema = ws.schema()
        catalog = TableCatalog(
            {n: TableSchema(n, tuple(Column(c, t) for c, t in cols.items()), "emulator") for n, cols in schema.items()}
        )
        hit = _CATALOGS[id(ws)] = (ws, catalog)
    return hit[1]


def compile_problems(
    query: str,
    catalog: TableCatalog,
    functions: dict[str, tuple[list[tuple[str, str]], str]] | None = None,
    watchlists: dict[str, list[str]] | None = None,
) -> list[CompileProblem]:
    """Error diagnostics of `query` bound to `catalog`, deployed `functions` (alias → (parameters,
    body)) and `watchlists` (alias → CSV columns)."""
    from ..kql import DiagnosticKind, FunctionDecl, Functions, Param, analyze

    decls = Functions(
        watchlists=tuple(sorted((a, tuple(cols)) for a, cols in (watchlists or {}).items())),
        functions=tuple(
            FunctionDecl((alias,), tuple(Param(n, t) for n, t in params), body)
            for alias, (params, body) in sorted((functions or {}).items())
        ),
    )
    out = []
    for d in analyze(query, catalog, decls).errors:
        line, column = _line_col(query, d.start)
        name = query[d.start : d.end] or None
        out.append(CompileProblem(d.code, d.message, line, column, d.kind is DiagnosticKind.UNKNOWN_TABLE, name))
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
