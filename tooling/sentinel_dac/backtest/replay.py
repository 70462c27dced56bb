"""Replay one rule over a time range as Sentinel schedules it, on data already in the engine.

Each run is `simulate_run(rule, engine, run_time)` — the simulator owns the
window, the five-minute start delay, ingestion times, trigger, grouping and
the per-run limits; this module only decides *when* runs happen:

* Scheduled: every queryFrequency, the first run at `start + queryPeriod` (the
  first time a whole look-back lies inside the range), the last at or before
  `end`. A range shorter than queryPeriod leaves no run (DAC705). When the data
  holds history before `start` (`history` < `start`: logs recorded before the
  range, like the development week's warm-up), runs begin at `start +
  queryFrequency` as soon as that history covers a whole look-back (`history +
  queryPeriod`): a rule enabled at `start` in Sentinel sees the logs before it.
* NRT: Sentinel runs NRT rules every minute over what was ingested in the
  minute before; we approximate that by a one-minute schedule over ingestion
  time (rows' `$IngestionTime`, else TimeGenerated plus the project's
  ingestion_delay), from `start + 1 min` to `end`.
* Suppression (`suppressionEnabled`): after a run raises alerts at T, the rule
  does not run before T + suppressionDuration ("stop running query after
  alert is generated", learn.microsoft.com/azure/sentinel/scheduled-rules-overview;
  docs/sentinel-semantics.md §4); a run due exactly then runs (our reading: the
  docs do not say).

Sources for NRT: learn.microsoft.com/azure/sentinel/near-real-time-rules ("hard-coded
to run once every minute and capture events ingested in the preceding minute").

Runs over windows where none of the rule's tables has a row are not sent to
the engine when a probe run on an empty window returns nothing and does not
trigger: their outcome is known (nothing). A query that returns rows from no
input (`print`, `range`, `lt 1` triggers) runs every time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..catalog.tables import TableCatalog
from ..content.model import AnalyticsRule
from ..engine.dataset import FunctionDef, Window
from ..engine.embedded import EmbeddedEngine
from ..engine.errors import EngineError
from ..findings import Finding
from ..simulate import Alert, run_window, simulate_run
from ..simulate.limits import NRT_PERIOD
from .source import EPOCH, TableStats


@dataclass
class AlertRecord:
    rule: AnalyticsRule
    run_time: datetime
    window: Window
    alert: Alert

    @property
    def span(self) -> tuple[datetime, datetime]:
        """The time the alert is about: its run's window, widened by its events' StartTime..EndTime."""
        lows = [t for t in (self.window.start, self.alert.start_time) if t is not None]
        highs = [t for t in (self.window.end, self.alert.end_time) if t is not None]
        if not lows:
            lows = [self.window.ingested_after or self.run_time - NRT_PERIOD]
        return min(lows), max(highs or [self.run_time])


@dataclass
class RuleOutcome:
    rule: AnalyticsRule
    status: str = "ok"  # ok | no-data | too-short | failed
    tables: list[str] = field(default_factory=list)
    runs: int = 0
    """Scheduled runs that happened (not suppressed), including those known empty without a query."""
    queried: int = 0
    """Runs sent to the engine."""
    suppressed: int = 0
    alerts: list[AlertRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem: Finding | None = None
    seconds: float = 0.0

    @property
    def family(self) -> str | None:
        return self.rule.meta.family if self.rule.meta else None


def run_times(
    rule: AnalyticsRule, start: datetime, end: datetime, history: datetime | None = None
) -> Iterator[datetime]:
    """When Sentinel would run `rule` inside [start, end], with logs from `history` (module docstring)."""
    if rule.kind == "NRT":
        step, first = NRT_PERIOD, start + NRT_PERIOD
    else:
        step = rule.query_frequency or timedelta(minutes=5)
        period = rule.query_period or step
        first = start + period
        if history is not None and history < start:
            first = max(start + step, history + period)
            first = start + step * -(-(first - start) // step)  # on the rule's schedule from start
    moment = first
    while moment <= end:
        yield moment
        moment += step


def tables_read(query: str, functions: list[FunctionDef], catalog: TableCatalog) -> list[str]:
    """Catalogue tables the query names, directly or through the parsers it calls (tokens, not comments)."""
    from ..engine.syntax import parse, tokens

    by_name = {f.name: f for f in functions}
    seen_functions: set[str] = set()
    found: set[str] = set()
    pending = [query]
    while pending:
        names = {t.text for t in tokens(parse(pending.pop()).tree)}
        found |= {n for n in names if catalog.get(n) is not None}
        for name in names & set(by_name) - seen_functions:
            seen_functions.add(name)
            pending.append(by_name[name].body)
    return sorted(found)


def _empty(window: Window, stats: list[TableStats]) -> bool:
    for table in stats:
        if window.start is not None and window.end is not None and table.generated:
            if table.generated_in(window.start, window.end):
                return False
        elif window.ingested_after is not None and window.ingested_until is not None:
            if table.ingested_in(window.ingested_after, window.ingested_until):
                return False
        elif table.rows:
            return False
    return True


def replay(
    outcome: RuleOutcome,
    engine: EmbeddedEngine,
    stats: list[TableStats],
    start: datetime,
    end: datetime,
    tick: Callable[[], None] | None = None,
    history: datetime | None = None,
) -> None:
    """Run `outcome.rule` at each scheduled time; fill `outcome` (alerts, counts, problem)."""
    rule = outcome.rule
    nothing = Window(EPOCH, EPOCH, EPOCH, EPOCH)
    suppress = rule.suppression_duration if rule.suppression_enabled and rule.suppression_duration else None
    suppressed_until: datetime | None = None
    can_skip: bool | None = None
    try:
        for run_time in run_times(rule, start, end, history):
            if tick:
                tick()
            if suppressed_until is not None and run_time < suppressed_until:
                outcome.suppressed += 1
                continue
            outcome.runs += 1
            window = run_window(rule, run_time)
            if can_skip is None:
                can_skip = _probe(outcome, engine, run_time, nothing)
            if can_skip and _empty(window, stats):
                continue
            result = simulate_run(rule, engine, run_time, window=window)
            outcome.queried += 1
            for note in result.notes:
                if note not in outcome.notes:
                    outcome.notes.append(note)
            if result.alerts:
                outcome.alerts.extend(AlertRecord(rule, run_time, window, a) for a in _in_stable_order(result.alerts))
                if suppress:
                    suppressed_until = run_time + suppress
    except EngineError as exc:
        outcome.status = "failed"
        outcome.problem = _engine_problem(rule, exc)


def _in_stable_order(alerts: list[Alert]) -> list[Alert]:
    """One run's alerts in an order that does not depend on the engine's row order.

    A query without `sort` returns rows in no defined order (Kusto's, DuckDB's hash aggregates, how
    the samples were stored), and Sentinel promises no order among one run's alerts; a report
    that changed with the storage would not diff cleanly between two backtests.
    """
    return sorted(alerts, key=lambda a: json.dumps(a.to_dict(), sort_keys=True, default=str))


def _probe(outcome: RuleOutcome, engine: EmbeddedEngine, run_time: datetime, nothing: Window) -> bool:
    """Whether runs over empty windows can be skipped: the rule returns nothing and stays quiet on no input."""
    try:
        probe = simulate_run(outcome.rule, engine, run_time, window=nothing)
    except EngineError as exc:
        outcome.notes.append(f"the query fails on empty input ({exc}); every run was sent to the engine")
        return False
    finally:
        outcome.queried += 1
    return not probe.rows and not probe.triggered


def _engine_problem(rule: AnalyticsRule, exc: EngineError) -> Finding:
    offset = getattr(exc, "offset", None)
    function = getattr(exc, "function", None)
    pos = rule.query_pos(offset) if offset is not None and function is None else None
    where = f" (in parser {function})" if function else ""
    return Finding(
        rule.display,
        pos.line if pos else rule.pos("query").line,
        pos.column if pos else 1,
        "DAC706",
        f"the rule cannot be backtested: {exc}{where}",
        field="query",
    )
