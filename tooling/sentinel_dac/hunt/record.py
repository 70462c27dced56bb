"""Recording samples from a workspace: rows fetched split by time, typed by the catalogue, pseudonymised.

What is written is what a test case reads (`<name>.<Table>.jsonl`, engine/samples.py): values as
JSON, datetimes as ISO-8601 UTC, empty values left out, `$IngestionTime` from the service's
`ingestion_time()`. Every row passes through the `privacy` scrubber before it touches the disk, and
the file is checked with the same reader the tests use before it is moved into place — a file that
would not load is never left behind, nor is a half-written one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..engine.samples import INGESTION_KEY, read_sample_file
from ..errors import SentinelDacError, UsageError
from ..privacy import MaskingReport, Scrubber
from .errors import HuntError
from .fetch import MIN_SPAN, TableRead, fetch_windows
from .logs import WorkspaceLogs

INGESTION_COLUMN = "sdac_IngestionTime"


class NoRows(HuntError):
    """The window held no rows: nothing was written."""


@dataclass
class Recorded:
    path: Path
    table: str
    rows: int
    windows: int
    report: MaskingReport
    notes: list[str] = field(default_factory=list)


def record_query(
    logs: WorkspaceLogs,
    query: str,
    table: str,
    window: tuple[datetime, datetime],
    out: Path,
    catalog,
    key: bytes | None,
    min_span: timedelta = MIN_SPAN,
    on_window: Callable[[datetime, datetime], None] | None = None,
    check: bool = True,
) -> Recorded:
    """Rows of `query` (rows of `table`) over `window` into `out`, pseudonymised with `key`.

    `key=None` writes the rows as they are (a backtest's temporary files, when not asked to
    pseudonymise); `check=False` skips the sample reader (the backtest's loader checks the file).
    """
    schema = catalog.get(table)
    if schema is None:
        raise UsageError(f"table '{table}' is not in the table catalogue; add its schema (sentinel-dac tables import)")
    text = with_ingestion_time(query, table)
    scrubber, report = (Scrubber(key) if key else None), MaskingReport()
    known = schema.column_types()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    rows = windows = 0
    notes: list[str] = []
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for (s, e), outcome in fetch_windows(logs.query, text, *window, min_span=min_span):
                windows += 1
                if on_window is not None:
                    on_window(s, e)
                unknown = [c for c in outcome.columns if c not in known and c != INGESTION_COLUMN]
                if unknown:
                    raise HuntError(
                        f"the query returns columns that are not in table {table}: {', '.join(unknown)}; "
                        "record rows of one table (project its own columns)"
                    )
                notes += outcome.notes
                for record in outcome.records():
                    row = _sample_row(record)
                    if scrubber is not None:
                        row = scrubber.row(row, schema, report)
                    handle.write(json.dumps(row, ensure_ascii=False))
                    handle.write("\n")
                    rows += 1
        if rows == 0:
            raise NoRows(
                f"no rows of {table} in {_iso(window[0])}/{_iso(window[1])}: nothing recorded "
                "(widen --timespan or check the query)"
            )
        if check:
            _check_loadable(Path(tmp), out, schema)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Recorded(out, table, rows, windows, report, notes)


def record_reads(
    logs: WorkspaceLogs,
    reads: list[TableRead],
    window: tuple[datetime, datetime],
    out_dir: Path,
    stem: str,
    catalog,
    key: bytes,
    min_span: timedelta = MIN_SPAN,
) -> list[Recorded]:
    """One sample file per table a rule reads: `<out_dir>/<stem>.<Table>.jsonl` (tables without rows: none)."""
    out = []
    for r in reads:
        try:
            out.append(
                record_query(
                    logs, r.query(), r.table, window, out_dir / f"{stem}.{r.table}.jsonl", catalog, key, min_span
                )
            )
        except NoRows as exc:
            out.append(Recorded(out_dir / f"{stem}.{r.table}.jsonl", r.table, 0, 0, MaskingReport(), [str(exc)]))
    if not any(r.rows for r in out):
        raise NoRows("; ".join(n for r in out for n in r.notes) or "the query reads no tables")
    return out


def with_ingestion_time(query: str, table: str) -> str:
    """`T | rest` → `T | extend <ingestion column> = ingestion_time() | rest`, kept through `project`.

    ingestion_time() reads a hidden column that `project` drops, so it is taken right after the
    table; a query not starting with its table is left as it is (rows then get no `$IngestionTime`).
    """
    head, sep, rest = query.strip().partition("|")
    if head.strip() != table:
        return query
    text = f"{table}\n| extend {INGESTION_COLUMN} = ingestion_time()"
    if not sep:
        return text
    rest = rest.strip()
    if rest.startswith("project ") and not rest.startswith(("project-away", "project-rename", "project-reorder")):
        projected, pipe, tail = rest.partition("|")
        rest = f"{projected.rstrip()}, {INGESTION_COLUMN}" + (f" |{tail}" if pipe else "")
    return f"{text}\n| {rest}"


def table_of_query(query: str, catalog) -> str | None:
    """The table a plain `Table | ...` query reads (its first word), if the catalogue knows it."""
    first = query.strip().split("|", 1)[0].strip()
    return first if first and catalog.get(first) is not None else None


def _sample_row(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in record.items():
        if value is None or value == "":
            continue
        if column == INGESTION_COLUMN:
            out[INGESTION_KEY] = _iso(value) if isinstance(value, datetime) else value
        elif isinstance(value, datetime):
            out[column] = _iso(value)
        elif isinstance(value, timedelta):
            out[column] = _timespan(value)
        else:
            out[column] = value
    return out


def _iso(value: datetime) -> str:
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


def _timespan(value: timedelta) -> str:
    total = value.total_seconds()
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{int(days)}.{int(hours):02d}:{int(minutes):02d}:{seconds:010.7f}"


def _check_loadable(tmp: Path, out: Path, schema) -> None:
    _, findings = read_sample_file(tmp, str(out), schema)
    if findings:
        first = findings[0]
        raise SentinelDacError(
            f"the recorded rows would not load as a sample ({len(findings)} problem(s)); first: line {first.line}: "
            f"{first.code} {first.message}"
        )
