"""DuckDB tables for a DataSet: data tables, per-run windowed views, watchlists.

Each sample table is stored once as `__sdac_data_<Table>` with every
catalogue column plus the hidden ingestion-time column, sorted by
TimeGenerated (DuckDB's zone maps then skip whole row groups outside a
window). What a query reads as `<Table>` is a view over it with the run's
window as a WHERE clause; a new run only replaces the view, never the data.

DuckDB folds column names that differ only in case (AzureDiagnostics has
`clientIP_s` and `clientIp_s`); the embedded engine keeps the one the samples
use (else the one the query reads, else the first) and refuses samples that use
two of them; the engine refuses a query that reads the other one
(`EmbeddedEngine._check_case`), so a folded read can never answer wrongly.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from ..catalog.tables import TableSchema
from .dataset import TableData, WatchlistData, Window
from .errors import UnsupportedKql
from .kqltypes import DUCKDB_TYPES
from .prepare import HIDDEN_INGESTION


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def data_table(name: str) -> str:
    return f"__sdac_data_{name}"


def storable_columns(
    schema: TableSchema, data: TableData | None, prefer: frozenset[str] = frozenset()
) -> list[tuple[str, str]]:
    """The table's columns DuckDB can hold at once (one per case-insensitive name).

    Of two names differing only in case, the one the samples use, else the one in `prefer` (the
    query's), else the first.
    """
    used = {k for r in data.rows for k in r.values} if data else set()
    used = used or set(prefer)
    chosen: dict[str, tuple[str, str]] = {}
    for col in schema.columns:
        key = col.name.lower()
        if key in chosen:
            if col.name in used and chosen[key][0] in used:
                raise UnsupportedKql(
                    "case-distinct columns",
                    f"table {schema.name}: samples use both {chosen[key][0]} and {col.name}, which differ only in "
                    "case; the embedded engine (DuckDB) cannot hold both in one table",
                )
            if col.name in used:
                chosen[key] = (col.name, col.type)
            continue
        chosen[key] = (col.name, col.type)
    return list(chosen.values())


def create_data_table(
    con: Any,
    schema: TableSchema,
    data: TableData | None,
    only: frozenset[str] | None = None,
    prefer: frozenset[str] = frozenset(),
) -> list[tuple[str, str]]:
    """The table's storage; with `only`, just those columns are stored (the view supplies the others as nulls).

    `prefer`: of two columns differing only in case, the one to hold when the samples use neither.
    """
    columns = storable_columns(schema, data, prefer)
    kept = columns if only is None else [c for c in columns if c[0] in only]
    ddl = ", ".join(f"{q(n)} {DUCKDB_TYPES[t]}" for n, t in kept)
    ddl = ddl + ", " if ddl else ""
    con.execute(f"CREATE OR REPLACE TABLE {q(data_table(schema.name))} ({ddl}{q(HIDDEN_INGESTION)} TIMESTAMP)")
    if data and data.rows:
        ordered = sorted(
            data.rows, key=lambda r: (r.values.get("TimeGenerated") is None, r.values.get("TimeGenerated"))
        )
        filled = {k for r in data.rows for k in r.values}  # wide tables: only the columns rows fill
        named = [c for c in columns if c[0] in filled]
        insert_rows(
            con,
            data_table(schema.name),
            [*named, (HIDDEN_INGESTION, "datetime")],
            ([*(r.values.get(n) for n, _ in named), r.ingestion_time] for r in ordered),
        )
    return columns


def insert_rows(con: Any, table: str, columns: list[tuple[str, str]], rows: Iterable[list[Any]]) -> None:
    """Insert Python values (common result shape) into `table`.

    Only columns some row fills are named (samples leave most of a table's
    columns empty). Small inserts go in as multi-row VALUES batches (DuckDB's
    executemany prepares one statement per row, far slower); large ones through
    DuckDB's JSON reader (`_insert_via_json`), an order of magnitude faster
    than binding hundreds of thousands of parameters.
    """
    rows = [list(r) for r in rows]
    used = [i for i in range(len(columns)) if any(r[i] is not None for r in rows)]
    if not rows or not used:
        if rows:
            con.execute(f"INSERT INTO {q(table)} ({q(columns[0][0])}) SELECT NULL FROM range({len(rows)})")
        return
    if len(rows) * len(used) >= BULK_VALUES and _insert_via_json(con, table, columns, used, rows):
        return
    names = ", ".join(q(columns[i][0]) for i in used)
    row_sql = "(" + ", ".join("?" for _ in used) + ")"
    batch = max(1, 1000 // len(used))
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        params = [to_duckdb(r[i], columns[i][1]) for r in chunk for i in used]
        con.execute(f"INSERT INTO {q(table)} ({names}) VALUES {', '.join(row_sql for _ in chunk)}", params)


BULK_VALUES = 200
"""From this many values (rows x filled columns) on, `insert_rows` goes through DuckDB's JSON reader
(measured: from about 15 rows of 13 columns on, it is the faster of the two; 4x at 200 rows)."""


def _insert_via_json(con: Any, table: str, columns: list[tuple[str, str]], used: list[int], rows: list[list]) -> bool:
    """Insert through a temporary JSON Lines file DuckDB reads itself; False if DuckDB refused it.

    Every value is written as text and cast by DuckDB from its exact text form
    (`_as_text`), so the stored values are the ones the VALUES path binds: a
    float's repr round-trips, a dynamic value keeps `json.dumps`'s spelling. The
    INSERT is one statement, so a refusal (a string DuckDB's JSON reader will not
    take, such as a lone surrogate) leaves nothing behind and the caller falls
    back to VALUES. Row order is kept: DuckDB preserves insertion order.
    """
    fd, path = tempfile.mkstemp(prefix="sentinel-dac-rows-", suffix=".jsonl")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps({f"c{i}": _as_text(row[i], columns[i][1]) for i in used}) + "\n")
        spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in used)
        select = ", ".join(_from_text(f"c{i}", columns[i][1]) for i in used)
        names = ", ".join(q(columns[i][0]) for i in used)
        source = "'" + path.replace("'", "''") + "'"
        con.execute(
            f"INSERT INTO {q(table)} ({names}) SELECT {select} "
            f"FROM read_json({source}, format='newline_delimited', columns={{{spec}}})"
        )
        return True
    except duckdb.Error:
        return False
    finally:
        os.unlink(path)


def _as_text(value: Any, kql_type: str) -> str | None:
    stored = to_duckdb(value, kql_type)
    if stored is None or isinstance(stored, str):
        return stored
    if isinstance(stored, bool):
        return "true" if stored else "false"
    if isinstance(stored, datetime):
        return stored.isoformat(sep=" ")
    if isinstance(stored, timedelta):  # days and microseconds apart, as DuckDB binds a timedelta
        return f"{stored.days},{stored.seconds * 1_000_000 + stored.microseconds}"
    return repr(stored) if isinstance(stored, float) else str(stored)


def _from_text(column: str, kql_type: str) -> str:
    if kql_type == "timespan":
        days, micros = (f"CAST(split_part({column}, ',', {i}) AS BIGINT)" for i in (1, 2))
        return f"to_days(CAST({days} AS INTEGER)) + to_microseconds({micros})"
    return f"CAST({column} AS {DUCKDB_TYPES.get(kql_type, 'VARCHAR')})"


def to_duckdb(value: Any, kql_type: str) -> Any:
    if value is None:
        return None
    if kql_type == "dynamic":
        return json.dumps(value, default=_json_default)
    if kql_type == "datetime" and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if kql_type == "timespan" and isinstance(value, timedelta):
        return value
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        from .kqltypes import format_datetime

        return format_datetime(value)
    return str(value)


def watchlist_columns(name: str, wl: WatchlistData) -> list[tuple[str, str]]:
    """The columns `create_watchlist_table` stores for `wl` (known without creating the table)."""
    return storable_columns(TableSchema(name, tuple(_cols(wl.columns)), "watchlist"), None)


def create_watchlist_table(con: Any, name: str, wl: WatchlistData) -> list[tuple[str, str]]:
    columns = watchlist_columns(name, wl)
    ddl = ", ".join(f"{q(n)} {DUCKDB_TYPES[t]}" for n, t in columns)
    con.execute(f"CREATE OR REPLACE TABLE {q(name)} ({ddl})")
    insert_rows(con, name, columns, ([row.get(n) for n, _ in columns] for row in wl.rows))
    return columns


def _cols(pairs: tuple[tuple[str, str], ...]):
    from ..catalog.tables import Column

    return [Column(n, t) for n, t in pairs]


def _ts(value: datetime) -> str:
    naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return f"TIMESTAMP '{naive.isoformat(sep=' ')}'"


def window_sql(window: Window | None) -> str:
    if window is None:
        return "TRUE"
    parts = []
    if window.start is not None:
        parts.append(f'"TimeGenerated" >= {_ts(window.start)}')
    if window.end is not None:
        parts.append(f'"TimeGenerated" < {_ts(window.end)}')
    if window.ingested_after is not None:
        parts.append(f"{q(HIDDEN_INGESTION)} > {_ts(window.ingested_after)}")
    if window.ingested_until is not None:
        parts.append(f"{q(HIDDEN_INGESTION)} <= {_ts(window.ingested_until)}")
    return " AND ".join(parts) or "TRUE"


def create_view(
    con: Any,
    table: str,
    columns: list[tuple[str, str]],
    window: Window | None,
    hidden: bool,
    stored: frozenset[str] | None = None,
) -> None:
    """`<table>` as the run's window over the stored data; columns not `stored` (None: all are) read as null."""
    names = [
        q(n) if stored is None or n in stored else f"CAST(NULL AS {DUCKDB_TYPES[t]}) AS {q(n)}" for n, t in columns
    ] + ([q(HIDDEN_INGESTION)] if hidden else [])
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {q(table)} AS SELECT {', '.join(names)} "
        f"FROM {q(data_table(table))} WHERE {window_sql(window)}"
    )
