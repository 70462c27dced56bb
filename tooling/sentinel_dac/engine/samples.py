"""Recorded samples: rows of one Log Analytics table, typed by the table catalogue.

A sample file is JSON Lines, one object per row, named for its table:
`AZKVAuditLogs.jsonl`, or `<anything>.AZKVAuditLogs.jsonl` so several files can
hold rows of one table (the last dotted part before `.jsonl` names the table).
A test case may also name the table itself (`table:`), which wins over the
file name but must not contradict a file name that is itself a known table.

Every problem becomes a finding naming file, line and column (the row's key),
so one pass reports everything. The reserved key `$IngestionTime` (Kusto's
name for the hidden column behind `ingestion_time()`) sets when a row was
ingested; without it the row is ingested `delay` after its TimeGenerated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..catalog.tables import TableCatalog, TableSchema
from ..findings import Finding
from .kqltypes import ValueTypeError, coerce, parse_datetime

INGESTION_KEY = "$IngestionTime"
"""Row key for an explicit ingestion time (Kusto's hidden `$IngestionTime` column)."""


@dataclass
class SampleRow:
    values: dict[str, Any]
    ingestion_time: datetime | None
    source: str
    line: int


@dataclass
class TableSample:
    """Typed rows of one table from one file or one inline list."""

    table: str
    source: str
    rows: list[SampleRow] = field(default_factory=list)


def table_from_filename(path: Path) -> str:
    """`x/AZKVAuditLogs.jsonl` and `x/burst.AZKVAuditLogs.jsonl` → `AZKVAuditLogs`."""
    stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.stem
    return stem.rsplit(".", 1)[-1]


def resolve_table(
    path: Path, display: str, declared: str | None, catalog: TableCatalog
) -> tuple[TableSchema | None, Finding | None]:
    """The table a sample file holds rows of, or a finding saying why it is unknown."""
    from_name = table_from_filename(path)
    if declared is not None:
        if catalog.get(from_name) is not None and from_name != declared:
            return None, Finding(
                display,
                0,
                0,
                "DAC507",
                f"the test case says table {declared} but the file is named for table {from_name}",
            )
        name = declared
    else:
        name = from_name
    table = catalog.get(name)
    if table is None:
        how = "named by the test case" if declared else f"taken from the file name '{path.name}'"
        return None, Finding(
            display,
            0,
            0,
            "DAC501",
            f"unknown table '{name}' ({how}); name files <Table>.jsonl or <anything>.<Table>.jsonl, "
            f"or add the table's schema to the project's tables folder",
        )
    return table, None


def read_sample_file(
    path: Path, display: str, table: TableSchema, delay: timedelta | None = None
) -> tuple[TableSample, list[Finding]]:
    """Read and type every row of a JSONL file; problems are findings, good rows are kept."""
    sample = TableSample(table.name, display)
    findings: list[Finding] = []
    try:
        handle = path.open(encoding="utf-8-sig")
    except FileNotFoundError:
        return sample, [Finding(display, 0, 0, "DAC506", "sample file does not exist")]
    except OSError as exc:
        return sample, [Finding(display, 0, 0, "DAC100", f"cannot read sample file: {exc.strerror or exc}")]
    blank = True
    with handle:
        try:
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                blank = False
                raw, problem = _parse_line(line, display, lineno)
                if problem is not None:
                    findings.append(problem)
                    continue
                row, problems = type_row(raw, table, delay)
                findings.extend(_at(p, display, lineno, line) for p in problems)
                if not problems:
                    sample.rows.append(SampleRow(row[0], row[1], display, lineno))
        except UnicodeDecodeError as exc:
            return sample, [Finding(display, 0, 0, "DAC101", f"sample file is not UTF-8 text ({exc.reason})")]
    if blank:
        findings.append(
            Finding(
                display,
                0,
                0,
                "DAC505",
                "sample file holds no rows; for an empty table write `rows: []` in the test case instead",
            )
        )
    return sample, findings


def _parse_line(line: str, display: str, lineno: int) -> tuple[dict[str, Any], Finding | None]:
    try:
        raw = json.loads(line, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        return {}, Finding(display, lineno, 1, "DAC500", f"key '{exc.key}' appears twice in this row")
    except json.JSONDecodeError as exc:
        return {}, Finding(display, lineno, exc.colno, "DAC500", f"invalid JSON: {exc.msg}")
    if not isinstance(raw, dict):
        kind = "an array" if isinstance(raw, list) else "a single value"
        return {}, Finding(display, lineno, 1, "DAC500", f"each line must be one JSON object (a row), found {kind}")
    return raw, None


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


@dataclass(frozen=True)
class RowProblem:
    column: str
    code: str
    message: str


def type_row(
    raw: dict[str, Any], table: TableSchema, delay: timedelta | None = None
) -> tuple[tuple[dict[str, Any], datetime | None], list[RowProblem]]:
    """Type one row against its table: values by column, its ingestion time, and problems."""
    types = table.column_types()
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    ingestion: datetime | None = None
    for key, value in raw.items():
        if key == INGESTION_KEY:
            try:
                ingestion = parse_datetime(value)
            except ValueTypeError as exc:
                problems.append(RowProblem(key, exc.code, f"{key}: {exc}"))
            continue
        kql_type = types.get(key)
        if kql_type is None:
            problems.append(RowProblem(key, "DAC502", _unknown_column(key, table)))
            continue
        lone = _unpaired_surrogate(value)
        if lone is not None:
            problems.append(
                RowProblem(
                    key,
                    "DAC504",
                    f"column {key} ({kql_type}): holds an unpaired UTF-16 surrogate (U+{ord(lone):04X}); "
                    "\\uD800-\\uDFFF escapes must come in pairs, and Log Analytics stores UTF-8 text",
                )
            )
            continue
        try:
            values[key] = coerce(value, kql_type)
        except ValueTypeError as exc:
            problems.append(RowProblem(key, exc.code, f"column {key} ({kql_type}): {exc}"))
    if ingestion is None and not problems:
        generated = values.get("TimeGenerated")
        if generated is not None:
            ingestion = generated + (delay or timedelta(0))
    return (values, ingestion), problems


def _unpaired_surrogate(value: Any) -> str | None:
    """The first lone surrogate in a string, or in a dynamic value's keys and strings (JSON allows `\\ud800`)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return value[exc.start]
        return None
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    return next((lone for v in items if (lone := _unpaired_surrogate(v)) is not None), None)


def _unknown_column(key: str, table: TableSchema) -> str:
    import difflib

    names = [c.name for c in table.columns]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    if not close:
        close = [n for n in names if n.lower() == key.lower()]
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"column '{key}' is not in table {table.name}{hint}"


def _at(problem: RowProblem, display: str, lineno: int, line: str) -> Finding:
    col = line.find(json.dumps(problem.column)) + 1
    return Finding(display, lineno, max(col, 1), problem.code, problem.message, field=problem.column)


def missing_time_rows(sample: TableSample) -> Iterable[SampleRow]:
    """Rows with neither TimeGenerated nor $IngestionTime (never inside a query window)."""
    return (r for r in sample.rows if r.values.get("TimeGenerated") is None and r.ingestion_time is None)
