"""The ADX engine: the same cases on Azure Data Explorer or Kustainer, through azure-kusto-data.

Nothing is ingested: each run sends one self-contained query whose `let`
statements bind every table the query names to a `datatable` of the rows its
window admits (with the hidden ingestion-time column when the query asks for
`ingestion_time()`), every watchlist `_GetWatchlist()` reads, and every parser
as a `let` function; `set query_now` pins now()/ago(). `build_query` is pure,
so its text is unit-tested without a cluster (and also runs on the embedded
engine, which proves the two paths ask the same question).

Authentication: `http://` URLs (Kustainer, the ADX emulator) need none;
`https://` clusters use Azure CLI credentials (`az login`). When the cluster
cannot be reached every case is reported as not run — never as passed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .dataset import DataSet, Window
from .errors import EngineUnavailable, QueryFailed
from .kqltypes import format_datetime, kql_literal
from .prepare import HIDDEN_INGESTION, Prepared, prepare, rewrite_edits, watchlist_table
from .results import QueryResult
from .syntax import Mapped, copy_with_edits

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _name(column: str) -> str:
    return column if _IDENT.fullmatch(column) else "['" + column.replace("'", "\\'") + "']"


def build_query(query: str, data: DataSet, now: datetime, window: Window | None) -> tuple[str, Prepared]:
    """The self-contained KQL text that runs `query` over `data` on a real Kusto engine."""
    prepared = prepare(query, data, stages=False)
    bodies = {fd.name: _function_body(fd, data) for fd in data.functions}
    names = set(prepared.names)
    for body in bodies.values():
        names |= set(_IDENT.findall(body))
    hidden = prepared.uses_ingestion_time or any(HIDDEN_INGESTION in b for b in bodies.values())
    lines = [f"set query_now = datetime({format_datetime(now)});"]
    for table in sorted(n for n in names if data.catalog.get(n) is not None):
        lines.append(_table_let(table, data, window, hidden))
    for _, wl in sorted(data.watchlists.items()):
        if wl.alias in prepared.watchlists or any(watchlist_table(wl.alias, data) in b for b in bodies.values()):
            cols = list(wl.columns)
            rows = [[row.get(c) for c, _ in cols] for row in wl.rows]
            lines.append(f"let {watchlist_table(wl.alias, data)} = {_datatable(cols, rows)};")
    for fd in data.functions:
        lines.append(fd.let_statement(bodies[fd.name]))
    return "\n".join(lines) + "\n" + prepared.query.text, prepared


def _function_body(fd, data: DataSet) -> str:
    edits, _, _ = rewrite_edits(fd.body, data, function=fd.name)
    return copy_with_edits(Mapped(), fd.body, 0, len(fd.body), edits).text


def _table_let(table: str, data: DataSet, window: Window | None, hidden: bool) -> str:
    schema = data.catalog.get(table)
    assert schema is not None
    cols = [(c.name, c.type) for c in schema.columns]
    stored = data.tables.get(table)
    rows = [r for r in (stored.rows if stored else []) if window is None or window.admits(r)]
    values = [[r.values.get(c) for c, _ in cols] + ([r.ingestion_time] if hidden else []) for r in rows]
    if hidden:
        cols.append((HIDDEN_INGESTION, "datetime"))
    return f"let {table} = {_datatable(cols, values)};"


def _datatable(cols: list[tuple[str, str]], rows: list[list[Any]]) -> str:
    header = ", ".join(f"{_name(c)}:{t}" for c, t in cols)
    body = ",\n    ".join(", ".join(kql_literal(v, t) for v, (_, t) in zip(row, cols, strict=True)) for row in rows)
    return f"datatable({header}) [\n    {body}\n]" if rows else f"datatable({header}) []"


class AdxEngine:
    """Azure Data Explorer / Kustainer. Needs network; tests use it only against 127.0.0.1."""

    name = "adx"

    def __init__(self, cluster: str, database: str, client: Any = None, timeout_seconds: int = 60):
        self.cluster = cluster
        self.database = database
        self._client = client
        self._timeout = timeout_seconds
        self._data: DataSet | None = None
        self._unavailable: str | None = None

    def _connect(self) -> Any:
        if self._client is None:
            from azure.kusto.data import KustoClient, KustoConnectionStringBuilder

            if self.cluster.startswith("http://"):
                kcsb = KustoConnectionStringBuilder.with_no_authentication(self.cluster)
            else:
                kcsb = KustoConnectionStringBuilder.with_az_cli_authentication(self.cluster)
            self._client = KustoClient(kcsb)
        return self._client

    def load(self, data: DataSet) -> None:
        self._data = data

    def run(self, query: str, now: datetime, window: Window | None = None) -> QueryResult:
        if self._data is None:
            raise QueryFailed("no data loaded: call load() first")
        if self._unavailable:
            raise EngineUnavailable(self._unavailable)
        text, _ = build_query(query, self._data, now, window)
        from azure.kusto.data import ClientRequestProperties
        from azure.kusto.data.exceptions import KustoServiceError

        props = ClientRequestProperties()
        props.set_option(ClientRequestProperties.request_timeout_option_name, f"00:00:{min(self._timeout, 59):02d}")
        try:
            response = self._connect().execute_query(self.database, text, props)
        except KustoServiceError as exc:
            if _is_network(exc):
                self._unavailable = f"ADX cluster {self.cluster} is not reachable ({_first_line(exc)})"
                raise EngineUnavailable(self._unavailable) from None
            raise QueryFailed(f"ADX refused the query: {_first_line(exc)}") from None
        except Exception as exc:  # connection refused, DNS, TLS, credentials: the engine is unavailable
            self._unavailable = (
                f"ADX cluster {self.cluster} is not reachable ({type(exc).__name__}: {_first_line(exc)})"
            )
            raise EngineUnavailable(self._unavailable) from None
        return _result(response.primary_results[0])

    def close(self) -> None:
        if self._client is not None and hasattr(self._client, "close"):
            self._client.close()
        self._client = None


def _is_network(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(k in text for k in ("connection", "timed out", "name or service", "unreachable", "refused"))


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _result(table: Any) -> QueryResult:
    from .results import duckdb_value

    columns = [c.column_name for c in table.columns]
    types = [str(c.column_type) for c in table.columns]
    keep = [i for i, n in enumerate(columns) if not n.startswith(HIDDEN_INGESTION)]
    rows = []
    for row in table.rows:
        values = [row[i] for i in range(len(columns))]
        rows.append(tuple(duckdb_value(values[i], "TIMESTAMP" if types[i] == "datetime" else "") for i in keep))
    return QueryResult([columns[i] for i in keep], [types[i] for i in keep], rows)
