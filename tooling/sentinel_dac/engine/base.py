"""The interface every engine implements, and what it shares with the others.

An engine loads a `DataSet` once and then answers `run(query, now, window)`
any number of times: the simulator calls it once per rule run, the backtest
thousands of times over the same data. Two engines exist: the embedded one
(duckdb-kql on an in-process DuckDB, the default) and ADX (a real Azure Data
Explorer cluster or Kustainer, through azure-kusto-data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from .dataset import DataSet, Window
from .results import QueryResult


@runtime_checkable
class Engine(Protocol):
    name: str

    def load(self, data: DataSet) -> None:
        """Make `data` the tables, watchlists and functions queries see (replacing any before)."""

    def run(self, query: str, now: datetime, window: Window | None = None) -> QueryResult:
        """Run `query` with now()/ago() pinned to `now`, sample tables narrowed to `window`.

        Raises UnsupportedKql, QueryFailed or EngineUnavailable (engine.errors).
        """

    def close(self) -> None:
        """Release the engine's resources."""


ENGINE_NAMES = ("embedded", "adx")


def describe_construct(construct: str) -> str:
    """duckdb-kql's construct names in the words of KQL (`MakeSeriesOperator` → `make-series` operator)."""
    from .syntax import operator_name

    if construct.startswith("function:"):
        return f"function {construct.split(':', 1)[1]}()"
    if construct.startswith("aggregate:"):
        return f"aggregation {construct.split(':', 1)[1]}()"
    if construct.endswith("Operator"):
        return f"operator {operator_name(construct)}"
    return construct
