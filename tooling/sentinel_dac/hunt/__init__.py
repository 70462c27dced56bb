"""Hunting on a workspace through the Log Analytics query API (azure-monitor-query).

`WorkspaceLogs` wraps `LogsQueryClient` for one target: one query (`query`) with the service's
errors turned into messages a hunter can act on, and a table fetch split by time (`fetch.py`) for
recording samples and backtests, since the query API has no paging. `select.py` turns `ID|FILE`
into queries; `render.py` prints results.
"""

from __future__ import annotations

from .errors import HuntError, QueryRejected, Throttled
from .logs import QueryOutcome, WorkspaceLogs
from .timespans import parse_timespan

__all__ = ["HuntError", "QueryOutcome", "QueryRejected", "Throttled", "WorkspaceLogs", "parse_timespan"]
