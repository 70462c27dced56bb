"""One target's Log Analytics query API, through the real `azure-monitor-query` client.

The service's behaviours a hunter meets, each handled here once:
- **partial results** (`LogsQueryPartialResult`): the rows that came back *and* the error, never
  one without the other; a result cut at the row or size limit is flagged (`too_large`) so callers
  fetching raw rows can split the time range (`fetch.py`);
- **throttling** (429 with Retry-After): azure-core's retry policy waits and retries
  (`retry_total`); what is still throttled after that is a `Throttled` error;
- **timeouts**: `server_timeout` is sent to the service (the SDK's `Prefer: wait=`), the client
  waits a little longer before giving up;
- **errors**: syntax/semantic errors (400) quote the service's inner error, 401/403 name the
  tenant and what to fix, 404 names the workspace id.

Limits (https://learn.microsoft.com/azure/azure-monitor/service-limits, "Log Analytics query API"):
500,000 records and ~100 MiB per response; queries time out after at most 10 minutes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import AuthFailed, HuntError, QueryRejected, Throttled

DEFAULT_SERVER_TIMEOUT = 180
MAX_SERVER_TIMEOUT = 600
TOO_LARGE = "E_QUERY_RESULT_SET_TOO_LARGE"


@dataclass
class QueryOutcome:
    columns: list[str]
    types: list[str]
    rows: list[list[Any]]
    partial_error: str | None = None
    too_large: bool = False
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class WorkspaceLogs:
    """Queries on one target's workspace. Close it (or use `with`) to release the HTTP session."""

    def __init__(self, target, *, retry_total: int = 3, credential: Any = None, client: Any = None):
        self.target = target
        self._credential = credential
        if client is None:
            from azure.monitor.query import LogsQueryClient

            endpoint = target.logs_endpoint()
            self._credential = credential or target.credential()
            client = LogsQueryClient(
                self._credential,
                endpoint=endpoint,
                audience=endpoint.rsplit("/v1", 1)[0],
                retry_total=retry_total,
                retry_backoff_factor=0.5,
                retry_backoff_max=30,
            )
        self.client = client

    def __enter__(self) -> WorkspaceLogs:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        close = getattr(self._credential, "close", None)
        if close is not None:
            close()

    def query(
        self,
        text: str,
        timespan: tuple[datetime, datetime],
        server_timeout: int = DEFAULT_SERVER_TIMEOUT,
        read_timeout: float | None = None,
    ) -> QueryOutcome:
        """Run `text` over `timespan`; `read_timeout` (default: the server timeout + 15 s) is the client's wait."""
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )
        from azure.monitor.query import LogsQueryPartialResult

        server_timeout = max(1, min(server_timeout, MAX_SERVER_TIMEOUT))
        try:
            result = self.client.query_workspace(
                self.target.workspace_id,
                text,
                timespan=timespan,
                server_timeout=server_timeout,
                connection_timeout=30,
                read_timeout=read_timeout or server_timeout + 15,
            )
        except ClientAuthenticationError as exc:
            raise AuthFailed(self._auth_message(exc)) from None
        except HttpResponseError as exc:
            raise self._http_error(exc) from None
        except (ServiceRequestError, ServiceResponseError) as exc:
            raise HuntError(
                f"target '{self.target.name}': no answer from {self.target.logs_endpoint()} "
                f"({type(exc).__name__}: {_first_line(exc)}); the query may have run longer than "
                f"--timeout {server_timeout}s, or the service is unreachable"
            ) from None
        if isinstance(result, LogsQueryPartialResult):
            tables = result.partial_data or []
            error = _describe_logs_error(result.partial_error)
            outcome = _outcome(tables)
            outcome.partial_error = error
            outcome.too_large = TOO_LARGE in error or "limit" in error.lower()
            return outcome
        return _outcome(result.tables)

    # -- errors ---------------------------------------------------------------------------------------------
    def _auth_message(self, exc: Exception) -> str:
        return (
            f"target '{self.target.name}' ({self.target.where()}): cannot authenticate to tenant "
            f"{self.target.tenant_id}: {_first_line(exc)}. Sign in again (`az login --tenant "
            f"{self.target.tenant_id}`) or set AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, certificate or "
            "federated token; an expired token is refreshed only by signing in again"
        )

    def _http_error(self, exc) -> HuntError:
        status = exc.status_code
        code, detail = _service_error(exc)
        where = f"target '{self.target.name}' ({self.target.where()})"
        if status == 400:
            return QueryRejected(f"{where}: the service rejected the query: {code}: {detail}")
        if status == 401:
            return AuthFailed(self._auth_message(exc))
        if status == 403:
            return AuthFailed(
                f"{where}: access denied to workspace {self.target.workspace_id}: {detail}. The identity needs "
                "'Log Analytics Reader' (or Microsoft Sentinel Reader) on the workspace"
            )
        if status == 404:
            return HuntError(
                f"{where}: workspace {self.target.workspace_id} not found: {detail}. Check workspaceId (the "
                "workspace's customer id, a GUID, not its name)"
            )
        if status == 429:
            after = exc.response.headers.get("Retry-After") if exc.response is not None else None
            return Throttled(
                f"{where}: throttled by the query API (HTTP 429{', Retry-After ' + after + ' s' if after else ''}) "
                "even after retrying; wait and run again, or run fewer queries at once (the API limits requests "
                "per user and concurrent queries)"
            )
        return HuntError(f"{where}: the query API answered HTTP {status}: {code}: {detail}")


def _service_error(exc) -> tuple[str, str]:
    """The innermost code and message of the service's error body (the useful part)."""
    try:
        body = exc.response.json()
    except Exception:
        return str(exc.status_code), _first_line(exc)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return str(exc.status_code), _first_line(exc)
    code, message = error.get("code", ""), error.get("message", "")
    inner = error.get("innererror")
    while isinstance(inner, dict):
        code, message = inner.get("code", code), inner.get("message", message)
        inner = inner.get("innererror")
    return code, message


def _describe_logs_error(error) -> str:
    if error is None:
        return "the service returned a partial result"
    parts = [f"{getattr(error, 'code', '')}: {getattr(error, 'message', '')}".strip(": ")]
    for d in getattr(error, "details", None) or []:
        get = d.get if hasattr(d, "get") else lambda k, default="", d=d: getattr(d, k, default)
        parts.append(f"{get('code', '')}: {get('message', '')}")
    return "; ".join(parts)


def _outcome(tables) -> QueryOutcome:
    if not tables:
        return QueryOutcome([], [], [])
    table = tables[0]
    types = list(getattr(table, "columns_types", None) or getattr(table, "column_types", None) or [])
    columns = list(table.columns)
    if len(types) != len(columns):
        types = ["string"] * len(columns)
    rows = [[_value(v, t) for v, t in zip(row, types, strict=True)] for row in table.rows]
    return QueryOutcome(columns, types, rows)


def _value(value: Any, kql_type: str) -> Any:
    """The service sends `dynamic` as JSON text; give callers the value."""
    if kql_type == "dynamic" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
