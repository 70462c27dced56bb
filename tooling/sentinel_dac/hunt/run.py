"""Running hunting queries (or rules' queries) on a target: one, or all of a family with a summary."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from .errors import HuntError
from .logs import QueryOutcome, WorkspaceLogs


@dataclass
class HuntRun:
    item: object
    outcome: QueryOutcome | None
    error: str | None
    seconds: float

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        assert self.outcome is not None
        if self.outcome.partial_error:
            return "partial"
        return "rows" if self.outcome.rows else "empty"


def run_hunt(logs: WorkspaceLogs, item, timespan: tuple[datetime, datetime], server_timeout: int) -> HuntRun:
    """One query; errors are raised (a single hunt stops at its error)."""
    started = time.monotonic()
    outcome = logs.query(item.query, timespan, server_timeout)
    return HuntRun(item, outcome, None, time.monotonic() - started)


def run_hunts(logs: WorkspaceLogs, items, timespan, server_timeout: int, on_start=None) -> list[HuntRun]:
    """Every query; one failing does not stop the others (its error is in the summary)."""
    runs = []
    for item in items:
        if on_start is not None:
            on_start(item)
        started = time.monotonic()
        try:
            runs.append(run_hunt(logs, item, timespan, server_timeout))
        except HuntError as exc:
            runs.append(HuntRun(item, None, str(exc), time.monotonic() - started))
    return runs


def summary(runs: list[HuntRun]) -> str:
    rows = [(r.item.name, str(len(r.outcome.rows)) if r.outcome else "-", r.status, f"{r.seconds:.1f}s") for r in runs]
    head = ("query", "rows", "status", "time")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = lambda r: "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    lines = [fmt(head), fmt(tuple("-" * w for w in widths)), *(fmt(r) for r in rows)]
    for r in runs:
        if r.error:
            lines.append(f"error in {r.item.display}: {r.error}")
        elif r.outcome and r.outcome.partial_error:
            lines.append(f"partial result of {r.item.display}: {r.outcome.partial_error}")
    return "\n".join(lines)
