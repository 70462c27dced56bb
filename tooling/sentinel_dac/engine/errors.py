"""What running a query can fail with, in words a detection engineer can act on.

Positions are character offsets into the query text as the author wrote it
(before any rewrite by the engine), so the caller that knows the file maps
them to a line with `ContentItem.query_pos(offset)`. A problem inside a parser
(a stored KQL function) carries the parser's name instead, since the offset
is then in that parser's text.
"""

from __future__ import annotations

from ..errors import SentinelDacError


class EngineError(SentinelDacError):
    """Base class: running a query on an engine failed."""

    def __init__(self, message: str, offset: int | None = None, function: str | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.function = function


class UnsupportedKql(EngineError):
    """The query uses KQL this engine does not run. Never a pass, never a silent skip."""

    def __init__(self, construct: str, message: str, offset: int | None = None, function: str | None = None):
        super().__init__(message, offset, function)
        self.construct = construct


class QueryFailed(EngineError):
    """The query is well-formed KQL the engine supports, but running it failed."""


class EngineUnavailable(EngineError):
    """The engine cannot be reached (e.g. no ADX cluster): cases are reported as not run."""
