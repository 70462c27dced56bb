"""`run_backtest`: the one function behind `sentinel-dac backtest` (and `check`'s pointer to its report).

Load each table the selected rules read once (a `DataSource`), then replay
every rule at its scheduled times (`replay`) and collect alerts. Problems
that stop everything (bad data files) are findings with no runs; problems of
one rule (no data for a table it reads, a range shorter than its
queryPeriod, a query the engine cannot run) are reported for that rule and
the others still run — a rule is never called quiet when it was not run.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..content.load import Project
from ..content.model import AnalyticsRule
from ..engine.dataset import DataSet, functions_from_parsers
from ..engine.embedded import EmbeddedEngine
from ..engine.errors import EngineError
from ..engine.kqltypes import format_datetime
from ..errors import UsageError
from ..findings import Finding, Level
from .replay import RuleOutcome, replay, run_times, tables_read
from .source import DataSource, TableStats, from_us

HOUR = timedelta(hours=1)


@dataclass
class BacktestResult:
    source: str
    start: datetime | None = None
    end: datetime | None = None
    history: datetime | None = None
    """The data's first hour when it lies before `start`: look-backs reach into it, no run happens in it."""
    rules: list[RuleOutcome] = field(default_factory=list)
    tables: dict[str, TableStats] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    load_seconds: float = 0.0

    @property
    def days(self) -> float:
        if self.start is None or self.end is None:
            return 0.0
        return (self.end - self.start) / timedelta(days=1)

    @property
    def failed(self) -> bool:
        """Bad data or a rule that could not run: exit 1."""
        return any(f.is_error for f in self.findings) or any(r.status == "failed" for r in self.rules)

    @property
    def incomplete(self) -> bool:
        """Some rule was not backtested (no data, range too short): exit 3 when nothing failed."""
        return any(r.status in ("no-data", "too-short") for r in self.rules)


def run_backtest(
    project: Project,
    rules: list[AnalyticsRule],
    source: DataSource,
    start: datetime | None = None,
    end: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
) -> BacktestResult:
    """Backtest `rules` over `source` in [start, end] (default: the data's span, whole hours).

    `jobs` > 1 replays rules in parallel threads, each on a fork of the engine (same
    stored tables, its own connection): DuckDB plans and runs queries outside the GIL.
    """
    started = time.perf_counter()
    if start is not None and end is not None and end <= start:
        raise UsageError(f"--end {format_datetime(end)} is not after --start {format_datetime(start)}")
    result = BacktestResult(source.description)
    available, findings = source.available(project.catalog)
    result.findings.extend(findings)
    if any(f.is_error for f in findings):
        return result
    functions = functions_from_parsers(project.parsers)
    outcomes: list[RuleOutcome] = []
    for rule in rules:
        outcome = RuleOutcome(rule)
        try:
            outcome.tables = tables_read(rule.query, functions, project.catalog)
        except EngineError as exc:
            from .replay import _engine_problem

            outcome.status, outcome.problem = "failed", _engine_problem(rule, exc)
        outcomes.append(outcome)
    result.rules = outcomes
    needed = {t for o in outcomes for t in o.tables if t in available}
    engine = EmbeddedEngine()
    try:
        dataset = DataSet(project.catalog, functions=functions)
        dataset.add_watchlists(project.watchlists, updated=start)
        dataset.external = dict(project.config.external_data)
        engine.load(dataset)
        loaded = source.load(engine, needed, project.config.ingestion_delay, project.catalog)
        result.load_seconds = time.perf_counter() - started
        result.tables = loaded.tables
        result.findings.extend(loaded.findings)
        if loaded.failed:
            return result
        result.start, result.end = _range(start, end, loaded.tables)
        if result.start is None or result.end is None:
            result.findings.append(Finding(source.description, 0, 0, "DAC700", "no rows in any table the rules read"))
            return result
        first_hour, _ = _range(None, None, loaded.tables)
        if first_hour is not None and first_hour < result.start:
            result.history = first_hour
        if result.end <= result.start:
            raise UsageError(
                f"the range {format_datetime(result.start)} .. {format_datetime(result.end)} is empty "
                "(give --start and --end)"
            )
        result.findings.extend(_gaps(loaded.tables, result.start, result.end))
        _check_rules(outcomes, loaded.tables, result, source.description)
        todo = [o for o in outcomes if o.status == "ok"]
        total = sum(sum(1 for _ in run_times(o.rule, result.start, result.end, result.history)) for o in todo)
        done = 0

        lock = threading.Lock()

        def tick() -> None:
            nonlocal done
            with lock:
                done += 1
                if progress and (done % 50 == 0 or done == total):
                    progress(done, total)

        _replay_all(todo, engine, loaded.tables, result, tick, jobs)
    finally:
        engine.close()
        result.seconds = time.perf_counter() - started
    return result


def _replay_all(
    todo: list[RuleOutcome],
    engine: EmbeddedEngine,
    tables: dict[str, TableStats],
    result: BacktestResult,
    tick: Callable[[], None],
    jobs: int,
) -> None:
    start, end, history = result.start, result.end, result.history
    assert start is not None and end is not None

    def one(outcome: RuleOutcome, on: EmbeddedEngine) -> None:
        t0 = time.perf_counter()
        replay(outcome, on, [tables[t] for t in outcome.tables], start, end, tick, history)
        outcome.seconds = time.perf_counter() - t0

    if jobs <= 1 or len(todo) <= 1:
        for outcome in todo:
            one(outcome, engine)
        return
    pending = queue.SimpleQueue()
    for outcome in sorted(todo, key=lambda o: -sum(1 for _ in run_times(o.rule, start, end, history))):
        pending.put(outcome)

    def worker() -> None:
        forked = engine.fork()
        try:
            while True:
                try:
                    outcome = pending.get_nowait()
                except queue.Empty:
                    return
                one(outcome, forked)
        finally:
            forked.close()

    with ThreadPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
        for future in [pool.submit(worker) for _ in range(min(jobs, len(todo)))]:
            future.result()


def _range(
    start: datetime | None, end: datetime | None, tables: dict[str, TableStats]
) -> tuple[datetime | None, datetime | None]:
    firsts = [t.first for t in tables.values() if t.first is not None]
    lasts = [t.last for t in tables.values() if t.last is not None]
    if start is None and firsts:
        lo = min(firsts)
        start = lo.replace(minute=0, second=0, microsecond=0)
    if end is None and lasts:
        hi = max(lasts)
        floor = hi.replace(minute=0, second=0, microsecond=0)
        end = floor if floor == hi else floor + HOUR
    return start, end


def _check_rules(
    outcomes: list[RuleOutcome],
    tables: dict[str, TableStats],
    result: BacktestResult,
    source: str,
) -> None:
    start, end = result.start, result.end
    assert start is not None and end is not None
    logs_from = result.history or start
    for o in outcomes:
        if o.status != "ok":
            continue
        rule = o.rule
        missing = [t for t in o.tables if t not in tables or not tables[t].rows]
        if not o.tables or missing:
            what = ", ".join(missing) if missing else "no table of the catalogue"
            o.status = "no-data"
            o.problem = Finding(
                rule.display,
                rule.pos("query").line,
                1,
                "DAC704",
                f"not backtested: the rule reads {what} and the {source} has no rows for it "
                "(this is not a quiet rule: it was not run)",
                Level.WARNING,
            )
            continue
        if rule.kind != "NRT" and rule.query_period and next(run_times(rule, start, end, result.history), None) is None:
            o.status = "too-short"
            o.problem = Finding(
                rule.display,
                rule.pos("queryPeriod").line,
                1,
                "DAC705",
                f"not backtested: the logs {format_datetime(logs_from)} .. {format_datetime(end)} "
                f"({_human(end - logs_from)}) are shorter than queryPeriod {_human(rule.query_period)}, "
                "so no run sees a whole look-back; widen --start/--end or record more days",
                Level.WARNING,
            )


def _human(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _gaps(tables: dict[str, TableStats], start: datetime, end: datetime) -> list[Finding]:
    """Stretches inside [start, end] with no rows where the table's own rate promised many.

    A hole counts when it is at least an hour long and at least 20 times the
    table's mean interval between rows (Poisson: e^-20 chance of silence by
    luck); the edges count when the data starts late or stops early.
    """
    out: list[Finding] = []
    lo_us, hi_us = _us(start), _us(end)
    for name, t in sorted(tables.items()):
        if not t.generated:
            continue  # a table without TimeGenerated: nothing to place in time
        times = [x for x in t.generated if lo_us <= x < hi_us]
        if not times:
            out.append(
                Finding(
                    ", ".join(t.files[:2]) or name,
                    0,
                    0,
                    "DAC703",
                    f"{name} has no rows in {format_datetime(start)} .. {format_datetime(end)}",
                    Level.WARNING,
                )
            )
            continue
        mean = (hi_us - lo_us) / len(times)
        threshold = max(3600 * 10**6, 20 * mean)
        holes = []
        for a, b in zip([lo_us, *times], [*times, hi_us], strict=True):
            if b - a >= threshold:
                holes.append((a, b))
        for a, b in sorted(holes, key=lambda h: h[0] - h[1])[:3]:
            out.append(
                Finding(
                    t.files[0] if t.files else name,
                    0,
                    0,
                    "DAC703",
                    f"{name} has no rows from {format_datetime(from_us(a))} to {format_datetime(from_us(b))} "
                    f"({_human(timedelta(microseconds=b - a))}; about {int((b - a) / mean)} expected at its "
                    "average rate): runs whose windows fall in it may miss alerts",
                    Level.WARNING,
                )
            )
    return out


def _us(moment: datetime) -> int:
    from .source import to_us

    return to_us(moment.astimezone(UTC))
