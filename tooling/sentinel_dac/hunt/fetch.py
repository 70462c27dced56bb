"""Fetching raw rows from a workspace, split by time so no answer hits the service's limits.

The query API has no paging: an answer over 500,000 records or ~100 MiB is cut and marked
partial. Fetching a table for a recording or a backtest therefore asks for a time window; a
window whose answer was cut is split in two and each half asked again, down to `min_span`. A
window still too large at that span is capped: its partial rows are kept and a note says so
(the caller reports it) — never an unbounded read. Windows are yielded one at a time, so a caller
writing to a file holds one answer in memory at most.

Which tables and columns a rule reads comes from Kusto.Language (`kql.analyze`), following the
parsers it calls, so the fetch is projected to the columns the rules use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import HuntError
from .logs import QueryOutcome

MIN_SPAN = timedelta(minutes=1)


@dataclass(frozen=True)
class TableRead:
    table: str
    columns: tuple[str, ...] | None
    """Columns to fetch (None: all)."""
    ordered: bool = False
    """Rows in TimeGenerated order (recorded files and backtest data must be; the service sorts)."""

    def query(self) -> str:
        text = self.table
        if self.columns:
            text += " | project " + ", ".join(_name(c) for c in self.columns)
        if self.ordered:
            text += " | order by TimeGenerated asc"
        return text


def _name(column: str) -> str:
    return column if column.replace("_", "a").isalnum() and not column[0].isdigit() else f"['{column}']"


def fetch_windows(
    run: Callable[[str, tuple[datetime, datetime]], QueryOutcome],
    query: str,
    start: datetime,
    end: datetime,
    min_span: timedelta = MIN_SPAN,
    on_split: Callable[[datetime, datetime], None] | None = None,
) -> Iterator[tuple[tuple[datetime, datetime], QueryOutcome]]:
    """(window, answer) for consecutive windows covering [start, end), splitting cut answers."""
    pending = [(start, end)]
    while pending:
        s, e = pending.pop()
        outcome = run(query, (s, e))
        if outcome.partial_error is None:
            yield (s, e), outcome
            continue
        if not outcome.too_large:
            raise HuntError(
                f"the query failed for {s:%Y-%m-%dT%H:%M:%SZ}/{e:%Y-%m-%dT%H:%M:%SZ}: {outcome.partial_error}"
            )
        if e - s <= min_span:
            outcome.notes.append(
                f"{s:%Y-%m-%dT%H:%M:%SZ}/{e:%Y-%m-%dT%H:%M:%SZ} still exceeds the service's limits in a "
                f"{_span(e - s)} window: capped at {len(outcome.rows)} rows ({outcome.partial_error})"
            )
            yield (s, e), outcome
            continue
        mid = s + (e - s) / 2
        if on_split is not None:
            on_split(s, e)
        pending.extend([(mid, e), (s, mid)])  # the earlier half is popped first: windows stay in time order


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"


def tables_read(item, project) -> list[TableRead]:
    """The tables a rule or hunting query reads (through its parsers too), projected to the columns it uses."""
    from ..kql import analyze
    from ..kql.functions import parser_params, project_functions

    functions = project_functions(project.watchlists, project.parsers)
    parsers = {n.lower(): p for p in project.parsers for n in (p.function_alias, p.function_name)}
    tables: dict[str, set[str]] = {}
    columns: set[str] = set()
    seen: set[str] = set()
    todo: list[tuple[str, tuple]] = [(item.query, ())]
    while todo:
        text, params = todo.pop()
        analysis = analyze(text, project.catalog, functions, params)
        if analysis.errors:
            first = analysis.errors[0]
            raise HuntError(f"{item.display}: the query does not compile ({first.code}: {first.message})")
        columns |= set(analysis.columns)
        for t in analysis.tables:
            tables.setdefault(t, set())
        for f in analysis.functions:
            parser = parsers.get(f.lower())
            if parser is not None and parser.function_alias not in seen:
                seen.add(parser.function_alias)
                todo.append((parser.query, parser_params(parser)))
    out = []
    for table in sorted(tables):
        schema = project.catalog.get(table)
        if schema is None:
            out.append(TableRead(table, None))
            continue
        known = schema.column_types()
        used = [c for c in known if c in columns or c == "TimeGenerated"]
        out.append(TableRead(table, tuple(used) if used else None, "TimeGenerated" in known))
    return out


def merge_reads(reads: Iterable[TableRead]) -> list[TableRead]:
    """One read per table with the union of the columns (None if any read wants every column)."""
    reads = list(reads)
    merged: dict[str, set[str] | None] = {}
    ordered = {r.table for r in reads if r.ordered}
    for r in reads:
        if r.table in merged and merged[r.table] is None:
            continue
        if r.columns is None:
            merged[r.table] = None
        else:
            merged.setdefault(r.table, set()).update(r.columns)
    return [TableRead(t, tuple(sorted(c)) if c is not None else None, t in ordered) for t, c in sorted(merged.items())]
