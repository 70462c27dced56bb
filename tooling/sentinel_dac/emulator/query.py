"""The Log Analytics query endpoint's engine: KQL over the workspace's sample rows.

There is one KQL execution path in the project: `sentinel_dac.engine` (the embedded engine over a
`DataSet`). This module only adapts an emulated workspace to it — its tables (columns as the
workspace declares them, so custom `_CL` tables work), its sample rows typed strictly by those
columns, the parsers deployed to it as saved searches and its watchlists — and shapes the answer
the way `azure-monitor-query` reads it: `{"tables": [{"name", "columns": [{"name", "type"}],
"rows"}]}`, plus `"error"` for a partial result.

Before running, the query is compiled against the workspace with Kusto.Language (`compile.py`), as
the service does: a syntax error or an unknown table/column is a 400 with the service's inner
codes (`SyntaxError`, `SemanticError`) rather than whatever the embedded engine would say.

The service's result limits (https://learn.microsoft.com/azure/azure-monitor/service-limits,
"Log Analytics query API"): at most 500,000 records and ~100 MiB of data; beyond them the answer is
cut and marked partial (`E_QUERY_RESULT_SET_TOO_LARGE`). Both are settings, so tests can hit them
with a handful of rows.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from ..catalog.tables import Column, TableCatalog, TableSchema
from ..content.model import FunctionParam
from ..content.watchlists import GETWATCHLIST_COLUMNS
from ..engine import DataSet, EngineError, FunctionDef, TableData, UnsupportedKql, WatchlistData, Window
from ..engine.samples import SampleRow, type_row
from .workspace import EmulatedWorkspace

MAX_ROWS = 500_000
MAX_BYTES = 100 * 1024 * 1024


class QueryFailed(Exception):
    """The query cannot run: answered as 400 with `code` (the service's inner error code) and this message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class QueryResult:
    tables: list[dict[str, Any]]
    partial_error: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tables": self.tables}
        if self.partial_error:
            out["error"] = self.partial_error
        return out


@dataclass(frozen=True)
class DeployedFunction:
    """A saved search with a function alias, as the query endpoint sees it."""

    alias: str
    parameters: tuple[tuple[str, str, str | None], ...]
    body: str


@dataclass(frozen=True)
class DeployedWatchlist:
    alias: str
    search_key: str
    columns: tuple[str, ...]
    items: tuple[tuple[str, dict[str, str]], ...]
    """(item id, CSV row)."""


@dataclass(frozen=True)
class WorkspaceContent:
    """What was deployed to a workspace that queries can call: parsers and watchlists."""

    functions: tuple[DeployedFunction, ...] = ()
    watchlists: tuple[DeployedWatchlist, ...] = ()


class QueryEngine(Protocol):
    def run(
        self,
        workspace: EmulatedWorkspace,
        query: str,
        start: datetime | None,
        end: datetime | None,
        content: WorkspaceContent,
    ) -> QueryResult: ...


@dataclass
class WorkspaceQueryEngine:
    """`sentinel_dac.engine`'s embedded engine, one per workspace, reloaded when deployed content changes."""

    max_rows: int = MAX_ROWS
    """Rows returned before the answer is cut and marked as a partial result (the service's limit)."""
    max_bytes: int = MAX_BYTES
    """Bytes of row data (as JSON) returned before the answer is cut and marked partial."""
    compile_first: bool = True
    """Compile with Kusto.Language before running, for the service's own syntax/semantic errors."""
    _engines: dict[str, tuple[WorkspaceContent, Any, threading.Lock]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, workspace, query, start, end, content=WorkspaceContent()):
        if self.compile_first:
            _compile(workspace, query, content)
        engine, lock = self._engine(workspace, content)
        try:
            with lock:
                result = engine.run(query, end or datetime.now(UTC), Window(start, end))
        except UnsupportedKql as exc:
            raise QueryFailed("NotSupported", f"the emulator's KQL engine cannot run this query: {exc}") from None
        except EngineError as exc:
            raise QueryFailed("SemanticError", str(exc)) from None
        return self._answer(result)

    def _answer(self, result) -> QueryResult:
        rows: list[list[Any]] = []
        size, cut = 0, None
        for row in result.rows:
            if len(rows) >= self.max_rows:
                cut = f"Query result set has exceeded the internal record count limit {self.max_rows}"
                break
            values = [_json_value(v) for v in row]
            size += len(json.dumps(values, default=str))
            if size > self.max_bytes:
                cut = f"Query result set has exceeded the internal data size limit {self.max_bytes} bytes"
                break
            rows.append(values)
        partial = None
        if cut:
            partial = {
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [
                    {
                        "code": "EngineError",
                        "message": f"{cut} (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)",
                    }
                ],
            }
        table = {
            "name": "PrimaryResult",
            "columns": [{"name": n, "type": t} for n, t in zip(result.columns, result.types, strict=True)],
            "rows": rows,
        }
        return QueryResult([table], partial)

    def reset(self, workspace: EmulatedWorkspace) -> None:
        """Forget a workspace's loaded data, so its sample rows are loaded again on the next query."""
        with self._lock:
            known = self._engines.pop(workspace.customer_id, None)
        if known is not None:
            with known[2]:
                known[1].close()

    def close(self) -> None:
        """Close every engine. DuckDB connections left open until interpreter exit can abort the
        process ("FATAL: exception not rethrown") while Python tears down threads."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for _, engine, lock in engines:
            with lock:
                engine.close()

    def _engine(self, workspace: EmulatedWorkspace, content: WorkspaceContent):
        from ..engine.embedded import EmbeddedEngine

        with self._lock:
            known = self._engines.get(workspace.customer_id)
            if known is not None and known[0] == content:
                return known[1], known[2]
            engine = known[1] if known is not None else EmbeddedEngine()
            lock = known[2] if known is not None else threading.Lock()
            with lock:
                engine.load(workspace_dataset(workspace, content))
            self._engines[workspace.customer_id] = (content, engine, lock)
            return engine, lock


def workspace_dataset(workspace: EmulatedWorkspace, content: WorkspaceContent = WorkspaceContent()) -> DataSet:
    """The workspace as the engine's DataSet: its tables, typed sample rows, parsers and watchlists."""
    catalog = TableCatalog(
        {
            t.name: TableSchema(t.name, tuple(Column(c, ty) for c, ty in t.columns.items()), "emulated workspace")
            for t in workspace.tables.values()
        }
    )
    data = DataSet(catalog)
    for name, raw_rows in workspace.samples.items():
        schema = catalog.get(name)
        table = data.tables.setdefault(name, TableData(schema))
        for i, raw in enumerate(raw_rows, start=1):
            (values, ingested), problems = type_row(raw, schema)
            if problems:
                raise QueryFailed(
                    "EngineError", f"sample row {i} of table {name}: " + "; ".join(p.message for p in problems)
                )
            table.rows.append(SampleRow(values, ingested, f"emulated {name}", i))
    for fn in content.functions:
        params = tuple(FunctionParam(n, t, d) for n, t, d in fn.parameters)
        data.functions.append(FunctionDef(fn.alias, params, fn.body))
    for wl in content.watchlists:
        data.watchlists[wl.alias.casefold()] = _watchlist(wl)
    return data


def _watchlist(wl: DeployedWatchlist) -> WatchlistData:
    fixed = [n for n, _ in GETWATCHLIST_COLUMNS]
    columns = (*GETWATCHLIST_COLUMNS, *((c, "string") for c in wl.columns if c not in fixed))
    rows = []
    for item_id, item in wl.items:
        row: dict[str, object] = {
            "_DTItemId": item_id,
            "LastUpdatedTimeUTC": None,
            "SearchKey": item.get(wl.search_key, ""),
        }
        row.update({k: v for k, v in item.items() if k not in row})
        rows.append(row)
    return WatchlistData(wl.alias, tuple(columns), tuple(rows))


_QUERY_CATALOGS: dict[int, tuple[EmulatedWorkspace, TableCatalog]] = {}


def _query_catalog(workspace: EmulatedWorkspace) -> TableCatalog:
    """Every table of the workspace (the query API reads Basic-plan tables too), one catalogue object per
    workspace so kql.analyze's bound symbols are reused."""
    hit = _QUERY_CATALOGS.get(id(workspace))
    if hit is None or hit[0] is not workspace:
        catalog = TableCatalog(
            {
                t.name: TableSchema(t.name, tuple(Column(c, ty) for c, ty in t.columns.items()), "emulator")
                for t in workspace.tables.values()
            }
        )
        hit = _QUERY_CATALOGS[id(workspace)] = (workspace, catalog)
    return hit[1]


def _compile(workspace: EmulatedWorkspace, query: str, content: WorkspaceContent) -> None:
    """The service's answer to a query that does not compile: SyntaxError or SemanticError, with line/pos."""
    from .compile import compile_problems

    problems = compile_problems(
        query,
        _query_catalog(workspace),
        {f.alias: (list(f.parameters), f.body) for f in content.functions},
        {w.alias: list(w.columns) for w in content.watchlists},
    )
    if not problems:
        return
    first = problems[0]
    syntax = first.code.startswith("KS0") or "expected" in first.message.lower()
    if first.unknown_table:
        detail = f"Failed to resolve table or column expression named '{first.unknown_name}'"
    else:
        detail = first.message
    raise QueryFailed(
        "SyntaxError" if syntax else "SemanticError",
        f"{detail} (line {first.line}, position {first.column}; {first.code})",
    )


def _json_value(v: Any) -> Any:
    if isinstance(v, datetime):
        v = v if v.tzinfo else v.replace(tzinfo=UTC)
        return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(v, date | time):
        return v.isoformat()
    if isinstance(v, timedelta):
        total = v.total_seconds()
        sign = "-" if total < 0 else ""
        total = abs(total)
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        text = f"{int(hours):02d}:{int(minutes):02d}:{seconds:010.7f}"
        return f"{sign}{int(days)}.{text}" if days else f"{sign}{text}"
    if isinstance(v, Decimal):
        return float(v)
    return v
