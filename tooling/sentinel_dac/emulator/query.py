"""The Log Analytics query endpoint's engine: KQL over the workspace's sample rows.

Behind a small interface (`QueryEngine`) so the embedded engine can be swapped: today it runs
`duckdb_kql` directly; the project's simulator (issue 5, `sentinel_dac.engine`) will replace
`DuckDbKqlEngine` with one that also implements Sentinel's own semantics, without touching the
HTTP side. Results come back in the shape `azure-monitor-query` reads:
`{"tables": [{"name", "columns": [{"name", "type"}], "rows"}]}`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol

from .workspace import EmulatedWorkspace

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "real": "DOUBLE",
    "bool": "BOOLEAN",
    "datetime": "TIMESTAMP",
    "dynamic": "JSON",
    "timespan": "INTERVAL",
    "guid": "VARCHAR",
    "decimal": "DOUBLE",
}


class QueryFailed(Exception):
    """The query cannot run: answered as 400 with `code` and this message."""

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


class QueryEngine(Protocol):
    def run(
        self,
        workspace: EmulatedWorkspace,
        query: str,
        start: datetime | None,
        end: datetime | None,
        functions: list[str],
    ) -> QueryResult: ...


@dataclass
class DuckDbKqlEngine:
    """Runs KQL with duckdb_kql over sample rows loaded into DuckDB (one database per workspace)."""

    max_rows: int = 500_000
    """Rows returned before the answer is cut and marked as a partial result (the service's limit)."""
    _cons: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, workspace, query, start, end, functions):
        import duckdb_kql
        from duckdb_kql.types import kusto_type

        with self._lock:
            con = self._connection(workspace)
            cur = con.cursor()
        try:
            self._window(cur, workspace, start, end)
            rel = duckdb_kql.query(cur, query, query_now=end or datetime.now(UTC), functions=functions or None)
            names, types = list(rel.columns), [kusto_type(t) for t in rel.types]
            rows = rel.limit(self.max_rows + 1).fetchall()
        except duckdb_kql.KqlUnsupportedError as exc:
            raise QueryFailed("NotSupported", f"the emulator's KQL engine cannot run this query: {exc}") from None
        except duckdb_kql.KqlError as exc:
            raise QueryFailed("SemanticError" if "Schema" in type(exc).__name__ else "SyntaxError", str(exc)) from None
        except Exception as exc:  # DuckDB errors while executing
            raise QueryFailed("EngineError", f"{type(exc).__name__}: {exc}") from None
        finally:
            cur.close()
        partial = None
        if len(rows) > self.max_rows:
            rows = rows[: self.max_rows]
            partial = {
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [
                    {
                        "code": "EngineError",
                        "message": f"Query result set has exceeded the internal record count limit {self.max_rows} "
                        "(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)",
                    }
                ],
            }
        table = {
            "name": "PrimaryResult",
            "columns": [{"name": n, "type": t} for n, t in zip(names, types, strict=True)],
            "rows": [[_json_value(v) for v in row] for row in rows],
        }
        return QueryResult([table], partial)

    def reset(self, workspace: EmulatedWorkspace) -> None:
        """Forget a workspace's database, so its sample rows are loaded again on the next query."""
        with self._lock:
            con = self._cons.pop(workspace.customer_id, None)
        if con is not None:
            con.close()

    def close(self) -> None:
        """Close every DuckDB connection. DuckDB connections left open until interpreter exit can
        abort the process ("FATAL: exception not rethrown") while Python tears down threads."""
        with self._lock:
            cons, self._cons = list(self._cons.values()), {}
        for con in cons:
            con.close()

    def _connection(self, workspace: EmulatedWorkspace):
        key = workspace.customer_id
        if key not in self._cons:
            import duckdb_kql

            con = duckdb_kql.connect()
            con.execute("CREATE SCHEMA samples")
            for table in workspace.tables.values():
                # DuckDB names are case-insensitive; a few catalogued tables (AzureDiagnostics) list
                # columns differing only in case: keep the first of each.
                names = list({c.lower(): c for c in reversed(table.columns)}.values())[::-1]
                cols = ", ".join(f'"{c}" {DUCKDB_TYPES.get(table.columns[c], "VARCHAR")}' for c in names)
                con.execute(f'CREATE TABLE samples."{table.name}" ({cols})')
                rows = workspace.samples.get(table.name) or []
                if rows:
                    marks = ", ".join("?" for _ in names)
                    con.executemany(
                        f'INSERT INTO samples."{table.name}" VALUES ({marks})',
                        [[_cell(row.get(c), table.columns[c]) for c in names] for row in rows],
                    )
            self._cons[key] = con
        return self._cons[key]

    def _window(self, cur, workspace: EmulatedWorkspace, start, end) -> None:
        """Each table as a view limited to the query's timespan, as the service applies it."""
        for table in workspace.tables.values():
            where = []
            if "TimeGenerated" in table.columns:
                if start is not None:
                    where.append(f"TimeGenerated >= TIMESTAMP '{start.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}'")
                if end is not None:
                    where.append(f"TimeGenerated < TIMESTAMP '{end.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f}'")
            clause = f" WHERE {' AND '.join(where)}" if where else ""
            cur.execute(f'CREATE TEMP VIEW "{table.name}" AS SELECT * FROM samples."{table.name}"{clause}')


def _cell(value: Any, kql_type: str) -> Any:
    if value is None:
        return None
    if kql_type == "dynamic":
        return json.dumps(value)
    if kql_type == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).replace(tzinfo=None)
    return value


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
    if isinstance(v, dict | list):
        return v
    return v
