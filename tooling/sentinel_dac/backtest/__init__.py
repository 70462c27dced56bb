"""Backtest: replay rules over days of recorded logs as Sentinel would schedule them (issue 7).

    source = FolderSource(Path("build/devweek"))        # a DataSource; a live workspace comes with issue 13
    result = run_backtest(project, project.rules, source, start, end, jobs=2)
    score(load_episodes(path, shown), result.rules, result.days, shown)   # --expect
    RENDERERS["md"](result, scored)

Every run is `simulate.simulate_run`; this package decides when runs happen
(schedule, suppression), loads each table once and reports.
"""

from __future__ import annotations

from .expect import ExpectError, ExpectScore, load_episodes, score
from .replay import AlertRecord, RuleOutcome, run_times, tables_read
from .report import RENDERERS
from .run import BacktestResult, run_backtest
from .source import DataSource, FolderSource, LoadResult, TableStats

__all__ = [
    "RENDERERS",
    "AlertRecord",
    "BacktestResult",
    "DataSource",
    "ExpectError",
    "ExpectScore",
    "FolderSource",
    "LoadResult",
    "RuleOutcome",
    "TableStats",
    "load_episodes",
    "run_backtest",
    "run_times",
    "score",
    "tables_read",
]
