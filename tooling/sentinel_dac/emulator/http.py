"""Requests, answers and errors as ARM shapes them, shared by every emulated resource.

Errors use ARM's body `{"error": {"code", "message"}}` (research notes §7.1: CloudError for
SecurityInsights, ErrorResponse for watchlists, WorkbookError for workbooks -- all carry
`code` and `message` under `error`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .store import Stored


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Header names lower-cased."""
    body: Any
    base_url: str


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ArmError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}
        self.inner: dict[str, Any] | None = None

    def response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.inner:
            error["innererror"] = self.inner
        return Response(self.status, {"error": error}, self.headers)


def bad_request(message: str, code: str = "BadRequest") -> ArmError:
    return ArmError(400, code, message)


def not_found(what: str) -> ArmError:
    return ArmError(404, "NotFound", f"{what} was not found.")


def invalid_model(problems: list[str]) -> ArmError:
    """The wording the SecurityInsights service uses: "Invalid data model. [ … ]" (research notes §8.5)."""
    return bad_request("Invalid data model. [ " + "; ".join(problems) + " ]")


def check_api_version(req: Request, resource_type: str, supported: list[str]) -> str:
    version = req.query.get("api-version")
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version not in supported:
        raise ArmError(
            400,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for API version '{version}' and type '{resource_type}'. "
            f"The supported api-versions are '{', '.join(supported)}'.",
        )
    return version


def page(req: Request, items: list[Any], page_size: int, render=None) -> dict[str, Any]:
    """One page of a list; `nextLink` carries the api-version and a `$skipToken` offset.

    `render`, when given, turns each item of the page (only) into its JSON: a list of N objects
    read in pages costs N renders, not N per page.
    """
    try:
        start = int(req.query.get("$skipToken", "0"))
    except ValueError:
        raise bad_request(f"$skipToken '{req.query['$skipToken']}' is not valid") from None
    chunk = items[start : start + page_size]
    out: dict[str, Any] = {"value": [render(i) for i in chunk] if render else chunk}
    if start + page_size < len(items):
        query = {k: v for k, v in req.query.items() if k != "$skipToken"}
        query["$skipToken"] = str(start + page_size)
        out["nextLink"] = f"{req.base_url}{req.path}?{urlencode(query)}"
    return out


ETAG_MODES = ("conflict", "precondition", "required", "ignore")


def check_etag(
    req: Request, body_etag: Any, current: Stored | None, mode: str, what: str, conflict_message: str
) -> None:
    """Apply an etag policy to a write.

    * conflict: a stale etag (in the body or If-Match) is answered 409; no etag overwrites;
    * precondition: the same with 412, as the generic Azure REST guidelines prescribe for If-Match;
    * required: as `conflict`, and overwriting an existing object needs its etag or `*`
      (saved searches: research notes §7.2);
    * ignore: last writer wins.
    """
    if mode == "ignore" or current is None:
        if current is None and req.headers.get("if-match") not in (None, "*") and mode != "ignore":
            raise ArmError(412, "PreconditionFailed", f"{what} does not exist, so If-Match cannot match.")
        return
    sent = req.headers.get("if-match") or body_etag
    if sent in (None, "") and mode != "required":
        return
    if sent == "*" or sent == current.etag or (isinstance(sent, str) and sent.strip('"') == current.etag.strip('"')):
        return
    if mode == "precondition":
        raise ArmError(412, "PreconditionFailed", f"The etag '{sent}' does not match the current etag of {what}.")
    hint = "no etag was sent" if sent in (None, "") else f"the etag '{sent}' is not the current one"
    raise ArmError(409, "Conflict", f"{conflict_message} ({what}: {hint}; send its current etag, or '*' to overwrite)")
