"""Load recorded JSON Lines files into the embedded engine fast, without loosening the sample rules.

Days of logs (a million rows per table) are too many to type row by row in
Python, so DuckDB reads them. But DuckDB's JSON reader is lenient where our
samples are strict (a number becomes a string, a timestamp without a zone is
accepted, unknown keys are dropped), and the typing rules must stay in one
place (`engine.kqltypes`, used by `engine.samples.read_sample_file`). So:

1. DuckDB lists each file's keys; each value is read as raw JSON.
2. A SQL check accepts only the *canonical* subset where DuckDB's cast gives
   exactly what `kqltypes.coerce` gives (a JSON string for a string column,
   `…T12:00:00[.ffffff]Z` for a datetime, an integer in range for an int…).
3. A file with anything else (an unknown column, an offset time zone, a wrong
   type, invalid JSON) goes through the sample reader: its findings name file,
   line and column; if it finds nothing wrong, its typed rows are loaded.

JSON `null` in a string column loads as "" (Kusto's strings are never null)
when the file has such nulls; an absent key stays absent (null), as in tests.
Each file must be in TimeGenerated order (DAC701): recorded logs are exported
in order, and an out-of-order file usually means concatenated exports.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..catalog.tables import TableSchema
from ..engine.duckdb_tables import data_table, insert_rows, q, storable_columns
from ..engine.embedded import EmbeddedEngine
from ..engine.kqltypes import format_datetime
from ..engine.prepare import HIDDEN_INGESTION
from ..engine.samples import INGESTION_KEY, read_sample_file
from ..findings import Finding
from .source import TableStats, from_us, to_us

_DATETIME_RE = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z"
_GUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RAW = "__sdac_backtest_raw"


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _canonical(col: str, kql_type: str) -> str:
    """SQL: the raw JSON value `col` is in the subset DuckDB casts exactly as kqltypes.coerce does."""
    v = q(col)
    t = f"json_type({v})"
    conditions = {
        "string": f"{t} = 'VARCHAR'",
        "int": f"{t} IN ('BIGINT', 'UBIGINT') AND TRY_CAST({v} AS INTEGER) IS NOT NULL",
        "long": f"{t} IN ('BIGINT', 'UBIGINT') AND TRY_CAST({v} AS BIGINT) IS NOT NULL",
        "real": f"{t} IN ('DOUBLE', 'BIGINT', 'UBIGINT')",
        "bool": f"{t} = 'BOOLEAN'",
        "datetime": f"{t} = 'VARCHAR' AND regexp_full_match({v}->>'$', '{_DATETIME_RE}') "
        f"AND TRY_CAST(rtrim({v}->>'$', 'Z') AS TIMESTAMP) IS NOT NULL",
        "guid": f"{t} = 'VARCHAR' AND regexp_full_match({v}->>'$', '{_GUID_RE}')",
        "dynamic": "TRUE",
    }
    return f"({v} IS NULL OR ({conditions.get(kql_type, 'FALSE')}))"


def _typed(col: str, kql_type: str, nulls: bool) -> str:
    """SQL: the canonical raw value as its DuckDB column value."""
    v = q(col)
    if kql_type == "string":
        return f"coalesce({v}->>'$', '')" if nulls else f"{v}->>'$'"
    casts = {
        "int": f"CAST({v} AS INTEGER)",
        "long": f"CAST({v} AS BIGINT)",
        "real": f"CAST({v} AS DOUBLE)",
        "bool": f"CAST({v} AS BOOLEAN)",
        "datetime": f"CAST(rtrim({v}->>'$', 'Z') AS TIMESTAMP)",
        "guid": f"CAST({v}->>'$' AS UUID)",
        "dynamic": v,
    }
    return casts.get(kql_type, "NULL")


@dataclass
class _FilePlan:
    """One checked file, ready to insert: the raw table of the fast path or the sample reader's rows."""

    path: Path
    shown: str
    span: tuple[int, int] | None
    select: str | None = None
    raw: str | None = None
    rows: list | None = None
    columns: set[str] = field(default_factory=set)


def load_table(
    engine: EmbeddedEngine,
    schema: TableSchema | None,
    paths: list[Path],
    display: Callable[[Path], str],
    delay: timedelta,
) -> tuple[TableStats | None, list[Finding]]:
    """Load every file of one table into `engine`; findings on bad data (then nothing is loaded).

    Files are checked first (each in TimeGenerated order, no two overlapping), then
    inserted in time order, so the stored table is sorted without another sort.
    """
    assert schema is not None
    con = engine.connection
    types = schema.column_types()
    stored = storable_columns(schema, None)
    findings: list[Finding] = []
    plans: list[_FilePlan] = []
    for n, path in enumerate(paths):
        plan, problems = _check_file(engine, schema, types, path, display(path), delay, f"{_RAW}_{n}")
        findings.extend(problems)
        if plan is not None:
            plans.append(plan)
    findings.extend(_overlaps([(*p.span, p.shown) for p in plans if p.span is not None], schema.name))
    if any(f.is_error for f in findings):
        for p in plans:
            if p.raw:
                con.execute(f"DROP TABLE IF EXISTS {p.raw}")
        return None, findings
    plans.sort(key=lambda p: p.span or (0, 0))
    present = set().union(*(p.columns for p in plans))
    engine.load_sql(schema.name, f"SELECT NULL::TIMESTAMP AS {q(HIDDEN_INGESTION)} WHERE FALSE", present)
    data = q(data_table(schema.name))
    kept = [c for c in stored if c[0] in present or c[0] == "TimeGenerated"]
    for plan in plans:
        if plan.select is not None:
            con.execute(f"INSERT INTO {data} BY NAME ({plan.select})")
            con.execute(f"DROP TABLE IF EXISTS {plan.raw}")
        else:
            rows = plan.rows or []
            insert_rows(
                con,
                data_table(schema.name),
                [*kept, (HIDDEN_INGESTION, "datetime")],
                ([*(r.values.get(n) for n, _ in kept), r.ingestion_time] for r in rows),
            )
    return _stats(con, schema, [p.shown for p in plans]), findings


def _stats(con: Any, schema: TableSchema, files: list[str]) -> TableStats:
    data = q(data_table(schema.name))
    stats = TableStats(schema.name, files=files)
    stats.rows = con.execute(f"SELECT count(*) FROM {data}").fetchone()[0]
    if schema.column("TimeGenerated") is not None:
        stats.generated = [
            r[0]
            for r in con.execute(
                f'SELECT epoch_us("TimeGenerated") FROM {data} WHERE "TimeGenerated" IS NOT NULL ORDER BY 1'
            ).fetchall()
        ]
    hidden = q(HIDDEN_INGESTION)
    stats.ingested = [
        r[0]
        for r in con.execute(f"SELECT epoch_us({hidden}) FROM {data} WHERE {hidden} IS NOT NULL ORDER BY 1").fetchall()
    ]
    return stats


_NULL_VALUE = re.compile(rb'":\s*null\b')


def _has_json_null(path: Path) -> bool:
    """Whether the file may hold a JSON null value (a cheap byte scan; exactness comes after)."""
    with path.open("rb") as handle:
        tail = b""
        while chunk := handle.read(1 << 22):
            if _NULL_VALUE.search(tail + chunk):
                return True
            tail = chunk[-16:]
    return False


def _check_file(
    engine: EmbeddedEngine,
    schema: TableSchema,
    types: dict[str, str],
    path: Path,
    shown: str,
    delay: timedelta,
    raw: str,
) -> tuple[_FilePlan | None, list[Finding]]:
    """Read one file into a raw table and check it; the plan to insert it, and findings."""
    con = engine.connection
    source = _sql_str(str(path))
    try:
        objects = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE json_type(json) <> 'OBJECT'), "
            f"list_distinct(flatten(list(json_keys(json)))) "
            f"FROM read_json_objects({source}, format='newline_delimited')"
        ).fetchone()
    except Exception:  # duckdb.Error: invalid JSON somewhere; the sample reader says where
        return _check_slow(schema, path, shown, delay)
    present = set(objects[2] or [])
    if objects[0] == 0 or objects[1] or any(k not in types and k != INGESTION_KEY for k in present):
        return _check_slow(schema, path, shown, delay)
    with_nulls: set[str] = set()
    if _has_json_null(path):
        with_nulls = {
            k
            for (k,) in con.execute(
                "SELECT DISTINCT k FROM (SELECT json, unnest(json_keys(json)) AS k "
                f"FROM read_json_objects({source}, format='newline_delimited')) "
                "WHERE json_type(json, '$.\"' || replace(k, '\"', '\\\"') || '\"') = 'NULL'"
            ).fetchall()
        }
    columns = [k for k in present if k in types]
    read_cols = columns + ([INGESTION_KEY] if INGESTION_KEY in present else [])
    spec = "{" + ", ".join(f"{_sql_str(c)}: 'JSON'" for c in read_cols) + "}"
    checks = [_canonical(c, types[c]) for c in columns]
    if INGESTION_KEY in present:
        checks.append(_canonical(INGESTION_KEY, "datetime"))
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * "
            f"FROM read_json({source}, format='newline_delimited', columns={spec})"
        )
        bad = con.execute(f"SELECT count(*) FROM {raw} WHERE NOT ({' AND '.join(checks) or 'TRUE'})").fetchone()[0]
    except Exception:
        bad = 1
    if bad:
        con.execute(f"DROP TABLE IF EXISTS {raw}")
        return _check_slow(schema, path, shown, delay)
    typed = [f"{_typed(c, types[c], c in with_nulls)} AS {q(c)}" for c in columns]
    generated = _typed("TimeGenerated", "datetime", False) if "TimeGenerated" in columns else "NULL"
    ingestion = f"{generated} + to_microseconds({delay // timedelta(microseconds=1)})"
    if INGESTION_KEY in present:
        ingestion = f"coalesce({_typed(INGESTION_KEY, 'datetime', False)}, {ingestion})"
    plan = _FilePlan(path, shown, None, raw=raw, columns=set(columns))
    plan.select = f"SELECT {', '.join([*typed, f'{ingestion} AS {q(HIDDEN_INGESTION)}'])} FROM {raw}"
    findings: list[Finding] = []
    if "TimeGenerated" in columns:
        unordered = con.execute(
            f"SELECT n + 1, tg, prev FROM (SELECT rowid AS n, {generated} AS tg, "
            f"lag({generated}) OVER (ORDER BY rowid) AS prev FROM {raw}) WHERE tg < prev ORDER BY n LIMIT 1"
        ).fetchone()
        if unordered:
            findings.append(_unordered(path, shown, unordered[0], unordered[1], unordered[2]))
        lo, hi = con.execute(f"SELECT epoch_us(min({generated})), epoch_us(max({generated})) FROM {raw}").fetchone()
        if lo is not None:
            plan.span = (lo, hi)
    return plan, findings


def _check_slow(
    schema: TableSchema, path: Path, shown: str, delay: timedelta
) -> tuple[_FilePlan | None, list[Finding]]:
    """The sample reader: exact findings for a file the fast path would not take; its rows if it is valid."""
    sample, findings = read_sample_file(path, shown, schema, delay)
    if any(f.is_error for f in findings):
        return None, findings
    for prev, row in zip(sample.rows, sample.rows[1:], strict=False):
        a, b = prev.values.get("TimeGenerated"), row.values.get("TimeGenerated")
        if a is not None and b is not None and b < a:
            findings.append(_unordered_at(shown, row.line, b, a))
            break
    known = [r.values["TimeGenerated"] for r in sample.rows if r.values.get("TimeGenerated") is not None]
    span = (to_us(min(known)), to_us(max(known))) if known else None
    used = {k for r in sample.rows for k in r.values}
    return _FilePlan(path, shown, span, rows=sample.rows, columns=used), findings


def _line_of_row(path: Path, row: int) -> int:
    """The file line holding the `row`-th (1-based) non-blank line."""
    seen = 0
    with path.open(encoding="utf-8-sig") as handle:
        for lineno, line in enumerate(handle, start=1):
            if line.strip():
                seen += 1
                if seen == row:
                    return lineno
    return row


def _unordered(path: Path, shown: str, row: int, tg: Any, prev: Any) -> Finding:
    from datetime import UTC

    return _unordered_at(shown, _line_of_row(path, row), tg.replace(tzinfo=UTC), prev.replace(tzinfo=UTC))


def _unordered_at(shown: str, line: int, tg: Any, prev: Any) -> Finding:
    return Finding(
        shown,
        line,
        1,
        "DAC701",
        f"rows are not in TimeGenerated order: {format_datetime(tg)} comes after {format_datetime(prev)}; "
        "recorded logs must be in time order (sort the file by TimeGenerated, e.g. "
        "`jq -cs 'sort_by(.TimeGenerated)[]'`)",
        field="TimeGenerated",
    )


def _overlaps(spans: list[tuple[int, int, str]], table: str) -> list[Finding]:
    out = []
    ordered = sorted(spans)
    for (a_lo, a_hi, a), (b_lo, b_hi, b) in itertools.pairwise(ordered):
        if b_lo < a_hi:
            out.append(
                Finding(
                    b,
                    0,
                    0,
                    "DAC702",
                    f"{table} rows from {format_datetime(from_us(b_lo))} to "
                    f"{format_datetime(from_us(min(a_hi, b_hi)))} "
                    f"are also covered by {a} ({format_datetime(from_us(a_lo))} .. {format_datetime(from_us(a_hi))}): "
                    "overlapping files usually hold the same rows twice; split exports at distinct times",
                )
            )
    return out
