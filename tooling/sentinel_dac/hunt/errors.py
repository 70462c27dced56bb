"""What a query on a workspace can fail with, each in words that say what to do next."""

from __future__ import annotations

from ..errors import SentinelDacError


class HuntError(SentinelDacError):
    """The workspace could not answer the query."""


class QueryRejected(HuntError):
    """The service refused the query (syntax error, unknown table or column): the query must change."""


class Throttled(HuntError):
    """The service kept answering 429 after the client's retries."""


class AuthFailed(HuntError):
    """No token, an expired token, or a token without access to the workspace."""
