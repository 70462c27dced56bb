"""`POST /v1/workspaces/{workspaceId}/query`: the Log Analytics query API that LogsQueryClient calls."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..content.durations import parse_duration
from .http import ArmError, Request, Response
from .query import QueryFailed

if TYPE_CHECKING:
    from .server import Emulator


def query(emu: Emulator, req: Request) -> Response:
    parts = req.path.strip("/").split("/")
    if len(parts) != 4 or parts[3] != "query" or req.method not in ("POST", "GET"):
        raise ArmError(404, "PathNotFoundError", f"The requested path '{req.path}' does not exist.")
    ws = emu.state.by_customer_id(parts[2])
    if ws is None:
        raise ArmError(404, "WorkspaceNotFoundError", f"The workspace could not be found: {parts[2]}.")
    body = req.body if isinstance(req.body, dict) else {}
    text = body.get("query") or req.query.get("query")
    if not text:
        raise _bad("The request had some invalid properties", "MissingQuery", "the body needs a 'query'")
    start, end = timespan(body.get("timespan") or req.query.get("timespan"))
    with emu.state.lock:
        content = emu.state.query_content(ws)
    try:
        result = emu.engine.run(ws, text, start, end, content)
    except QueryFailed as exc:
        raise _bad("The request had some invalid properties", exc.code, str(exc)) from None
    return Response(200, result.to_json())


def timespan(text: str | None) -> tuple[datetime | None, datetime | None]:
    """ISO-8601 interval `start/end`, `start/duration`, `duration/end` or a duration ending now."""
    if not text:
        return None, None
    try:
        if "/" not in text:
            end = datetime.now(UTC)
            return end - parse_duration(text), end
        a, b = text.split("/", 1)
        if a.startswith("P"):
            end = _dt(b)
            return end - parse_duration(a), end
        start = _dt(a)
        return start, (start + parse_duration(b)) if b.startswith("P") else _dt(b)
    except ValueError as exc:
        raise _bad("The request had some invalid properties", "InvalidTimespan", f"timespan '{text}': {exc}") from None


def _dt(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bad(message: str, code: str, detail: str) -> ArmError:
    err = ArmError(400, "BadArgumentError", f"{message}: {detail}")
    err.inner = {"code": code, "message": detail}
    return err
