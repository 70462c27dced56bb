"""Sentinel's analytics-rule semantics on an engine: windows, trigger, grouping, entities, details.

The one implementation the test runner, the backtest and the emulator call:

    engine.load(dataset)
    result = simulate_run(rule, engine, run_time)   # RunResult: result rows, triggered, alerts, notes
    result = simulate_hunt(hunting_query, engine, run_time, timespan)   # rows only
"""

from __future__ import annotations

from .alerts import Alert, Entity, build_alerts
from .run import (
    DEFAULT_POLICY,
    RunPolicy,
    RunResult,
    hunt_window,
    run_window,
    simulate_hunt,
    simulate_run,
    trigger_condition,
)

__all__ = [
    "DEFAULT_POLICY",
    "Alert",
    "Entity",
    "RunPolicy",
    "RunResult",
    "build_alerts",
    "hunt_window",
    "run_window",
    "simulate_hunt",
    "simulate_run",
    "trigger_condition",
]
