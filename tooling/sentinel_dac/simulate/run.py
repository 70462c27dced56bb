"""One run of an analytics rule, the way Sentinel runs it.

`simulate_run(rule, engine, run_time)` is the single implementation of
Sentinel's rule semantics: the test runner, the backtest and the emulator's
query endpoint all call it. The engine must already hold the data
(`engine.load(dataset)`); a run only narrows what the query sees.

Time model (docs/architecture.md, "Simulator model"):

* Scheduled: the run scheduled at T reads `T - queryPeriod <= TimeGenerated < T`
  with now()/ago() pinned to T, and sees only rows ingested by T + 5 min
  (the documented five-minute delay), so late rows are missed exactly as in
  Sentinel's ingestion-delay example.
* NRT: the run at T reads rows ingested in `(T - 1 min, T]` (NRT queries on
  ingestion time, once a minute); now() is T.
* Trigger: the number of result rows against triggerOperator/threshold
  (Scheduled); NRT always alerts when the query returns rows.
* Hunting queries (`simulate_hunt`): run on demand at T with now() pinned, over
  every row ingested by T, or over `T - timespan <= TimeGenerated < T` when a
  timespan is given (as `sentinel-dac hunt --timespan` asks the Logs API); no
  trigger, no alerts: the result is the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..content.model import AnalyticsRule, HuntingQuery
from ..engine.base import Engine
from ..engine.dataset import Window
from ..engine.results import QueryResult
from . import limits
from .alerts import Alert, build_alerts

_COMPARE = {
    "gt": lambda n, t: n > t,
    "lt": lambda n, t: n < t,
    "eq": lambda n, t: n == t,
    "ne": lambda n, t: n != t,
}
_WORDS = {"gt": "greater than", "lt": "less than", "eq": "equal to", "ne": "not equal to"}


@dataclass(frozen=True)
class RunPolicy:
    """Timing constants of a run; defaults are Sentinel's documented values (limits.py)."""

    scheduled_delay: timedelta = limits.SCHEDULED_DELAY
    nrt_period: timedelta = limits.NRT_PERIOD


DEFAULT_POLICY = RunPolicy()


@dataclass
class RunResult:
    rule_id: str
    run_time: datetime
    window: Window
    result: QueryResult
    triggered: bool
    trigger: str
    alerts: list[Alert] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hunting: bool = False

    @property
    def fired(self) -> bool:
        """A rule fired when it raised alerts; a hunting query, when it returned rows."""
        return bool(self.result.rows) if self.hunting else bool(self.alerts)

    @property
    def rows(self) -> list[dict]:
        """The query's result rows as column → value mappings."""
        return self.result.records()


def run_window(rule: AnalyticsRule, run_time: datetime, policy: RunPolicy = DEFAULT_POLICY) -> Window:
    """The rows a run of `rule` at `run_time` sees."""
    run_time = _utc(run_time)
    if rule.kind == "NRT":
        return Window(ingested_after=run_time - policy.nrt_period, ingested_until=run_time)
    period = rule.query_period or timedelta(minutes=5)
    return Window(start=run_time - period, end=run_time, ingested_until=run_time + policy.scheduled_delay)


def trigger_condition(rule: AnalyticsRule) -> tuple[str, int]:
    if rule.kind == "NRT" or rule.trigger_operator is None:
        return "gt", 0
    return rule.trigger_operator, int(rule.trigger_threshold or 0)


def simulate_run(
    rule: AnalyticsRule,
    engine: Engine,
    run_time: datetime,
    policy: RunPolicy = DEFAULT_POLICY,
    window: Window | None = None,
) -> RunResult:
    """Run `rule` once at `run_time` on `engine` and return the alerts Sentinel would raise.

    `window` overrides the computed one (the emulator's ad-hoc queries).
    Raises the engine's errors (UnsupportedKql, QueryFailed, EngineUnavailable).
    """
    run_time = _utc(run_time)
    window = window or run_window(rule, run_time, policy)
    result = engine.run(rule.query, run_time, window)
    operator, threshold = trigger_condition(rule)
    count = len(result.rows)
    triggered = _COMPARE[operator](count, threshold)
    trigger = f"{count} result(s) {'' if triggered else 'not '}{_WORDS[operator]} {threshold}"
    alerts = build_alerts(rule, result.records()) if triggered else []
    notes = list(result.notes)
    for alert in alerts:
        notes.extend(n for n in alert.notes if n not in notes)
    return RunResult(rule.id, run_time, window, result, triggered, trigger, alerts, notes)


def hunt_window(run_time: datetime, timespan: timedelta | None = None) -> Window:
    """The rows a hunting query run at `run_time` sees: ingested by then, within `timespan` when given."""
    run_time = _utc(run_time)
    if timespan is None:
        return Window(ingested_until=run_time)
    return Window(start=run_time - timespan, end=run_time, ingested_until=run_time)


def simulate_hunt(
    query: HuntingQuery, engine: Engine, run_time: datetime, timespan: timedelta | None = None
) -> RunResult:
    """Run a hunting query once at `run_time`: its rows, no trigger and no alerts."""
    run_time = _utc(run_time)
    window = hunt_window(run_time, timespan)
    result = engine.run(query.query, run_time, window)
    summary = f"the query returned {len(result.rows)} row(s)"
    return RunResult(query.id, run_time, window, result, bool(result.rows), summary, [], list(result.notes), True)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("run times must be timezone-aware (UTC)")
    return moment.astimezone(UTC)
