"""Running KQL over recorded samples: the data model, the engines, their errors.

`DataSet` (samples, watchlists, parsers) is loaded into an `Engine` once;
`engine.run(query, now, window)` then answers any number of runs. The
embedded engine (duckdb-kql on DuckDB) is the default; the ADX engine runs
the same queries on Azure Data Explorer or Kustainer. The simulator
(`sentinel_dac.simulate`) adds Sentinel's rule semantics on top.
"""

from __future__ import annotations

from .base import ENGINE_NAMES, Engine
from .dataset import DataSet, FunctionDef, TableData, WatchlistData, Window, functions_from_parsers
from .errors import EngineError, EngineUnavailable, QueryFailed, UnsupportedKql
from .results import QueryResult

__all__ = [
    "ENGINE_NAMES",
    "DataSet",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "FunctionDef",
    "QueryFailed",
    "QueryResult",
    "TableData",
    "UnsupportedKql",
    "WatchlistData",
    "Window",
    "functions_from_parsers",
]
