"""Emulated Microsoft.SecurityInsights watchlists and watchlistItems.

The watchlist PUT is a long-running operation (research notes §10: `x-ms-long-running-operation`,
final state via `Azure-AsyncOperation`): it answers 201/200 with `provisioningState` and an
`Azure-AsyncOperation` URL that reports InProgress for `lro_polls` polls, then Succeeded.
DELETE answers 202 the same way. Items come from `rawContent` (CSV), are listed page by page
(`$skipToken`), and can be written one at a time. A PUT with new rawContent replaces the items.
"""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from .constraints import watchlist_problems
from .http import ArmError, Request, Response, check_api_version, check_etag, invalid_model, not_found, page
from .openapi import supported_versions, validate_body
from .state import Operation, State
from .store import Stored, new_etag, now_iso
from .workspace import EmulatedWorkspace

TYPE = "Microsoft.SecurityInsights/Watchlists"
ITEM_TYPE = "Microsoft.SecurityInsights/Watchlists/WatchlistItems"
SERVICE_USER = {
    "objectId": "00000000-0000-0000-0000-0000000000ee",
    "email": "deploy@emulator.local",
    "name": "emulator",
}


def operation_url(req: Request, op: Operation) -> str:
    return f"{req.base_url}/_emulator/operations/{op.id}?api-version={req.query.get('api-version', '')}"


def handle(
    state: State, req: Request, ws: EmulatedWorkspace, alias: str | None, items: bool, item_id: str | None
) -> Response:
    version = check_api_version(req, "watchlists", supported_versions("watchlists"))
    collection = f"{ws.ref.resource_id}/providers/Microsoft.SecurityInsights/watchlists"
    if alias is None:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on the watchlists collection.")
        return Response(
            200, page(req, state.store.children(collection), state.settings.page_size, lambda s: render(state, s))
        )
    path = f"{collection}/{alias}"
    current = state.store.get(path)
    if items:
        if current is None:
            raise not_found(f"Watchlist '{alias}'")
        return _items(state, req, current, item_id, version)
    if req.method == "GET":
        if current is None:
            raise not_found(f"Watchlist '{alias}'")
        return Response(200, render(state, current))
    if req.method == "DELETE":
        if current is None:
            return Response(204)
        state.store.delete(path)
        op = state.start_operation()
        url = operation_url(req, op)
        return Response(202, None, {"Azure-AsyncOperation": url, "Location": url})
    if req.method != "PUT":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on watchlists.")
    body = req.body
    problems = [str(p) for p in validate_body("watchlists", version, body, strict=state.settings.strict_fields)]
    problems = problems or watchlist_problems(alias, body)
    if problems:
        raise invalid_model(problems)
    check_etag(
        req,
        body.get("etag"),
        current,
        state.settings.etag_modes["watchlists"],
        f"watchlist '{alias}'",
        f"New version of resource '{alias}' exists. Data was not saved",
    )
    props = {k: v for k, v in body["properties"].items() if v is not None}
    raw = props.pop("rawContent", None)
    stored = Stored(path, alias, {"properties": props}, new_etag(), version)
    if current is not None:
        stored.created = current.created
        stored.extra = dict(current.extra)
    stored.extra.setdefault("watchlistId", str(uuid.uuid4()))
    if raw is not None:
        columns, rows = parse_raw(raw, int(props.get("numberOfLinesToSkip") or 0))
        stored.extra["columns"] = columns
        stored.extra["items"] = {str(uuid.uuid4()): row for row in rows}
    stored.extra.setdefault("columns", [])
    stored.extra.setdefault("items", {})
    op = state.start_operation()
    stored.extra["operation"] = op.id
    state.store.put(stored)
    return Response(
        201 if current is None else 200, render(state, stored), {"Azure-AsyncOperation": operation_url(req, op)}
    )


def parse_raw(raw: str, skip: int) -> tuple[list[str], list[dict[str, str]]]:
    lines = raw.replace("\r\n", "\n").split("\n")[skip:]
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = [h.strip() for h in next(reader, [])]
    rows = [dict(zip(header, values, strict=False)) for values in reader if values]
    return header, rows


def render(state: State, stored: Stored) -> dict[str, Any]:
    op = state.operations.get(stored.extra.get("operation", ""))
    props = {
        **stored.body["properties"],
        "watchlistId": stored.extra["watchlistId"],
        "watchlistAlias": stored.name,
        "watchlistType": "watchlist",
        "created": stored.created,
        "updated": stored.updated,
        "createdBy": SERVICE_USER,
        "updatedBy": SERVICE_USER,
        "tenantId": "00000000-0000-0000-0000-0000000000aa",
        "isDeleted": False,
        "defaultDuration": None,
        "uploadStatus": "Complete" if op is None or op.status == "Succeeded" else "InProgress",
        "provisioningState": "Succeeded" if op is None else op.status,
    }
    return {"id": stored.path, "name": stored.name, "type": TYPE, "etag": stored.etag, "properties": props}


def _items(state: State, req: Request, wl: Stored, item_id: str | None, version: str) -> Response:
    items: dict[str, dict[str, str]] = wl.extra["items"]
    if item_id is None:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on the watchlistItems collection.")
        pairs = list(items.items())
        return Response(200, page(req, pairs, state.settings.page_size, lambda p: _render_item(wl, *p)))
    if req.method == "GET":
        if item_id not in items:
            raise not_found(f"Watchlist item '{item_id}'")
        return Response(200, _render_item(wl, item_id, items[item_id]))
    if req.method == "DELETE":
        return Response(200 if items.pop(item_id, None) is not None else 204)
    if req.method != "PUT":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on watchlist items.")
    problems = [str(p) for p in validate_body("watchlistItems", version, req.body, strict=state.settings.strict_fields)]
    if problems:
        raise invalid_model(problems)
    created = item_id not in items
    items[item_id] = {str(k): "" if v is None else str(v) for k, v in req.body["properties"]["itemsKeyValue"].items()}
    wl.updated = now_iso()
    return Response(201 if created else 200, _render_item(wl, item_id, items[item_id]))


def _render_item(wl: Stored, item_id: str, row: dict[str, str]) -> dict[str, Any]:
    return {
        "id": f"{wl.path}/watchlistItems/{item_id}",
        "name": item_id,
        "type": ITEM_TYPE,
        "etag": f'"{uuid.uuid5(uuid.NAMESPACE_OID, item_id + repr(sorted(row.items())))}"',
        "properties": {
            "watchlistItemType": "watchlist-item",
            "watchlistItemId": item_id,
            "tenantId": "00000000-0000-0000-0000-0000000000aa",
            "isDeleted": False,
            "created": wl.created,
            "updated": wl.updated,
            "createdBy": SERVICE_USER,
            "updatedBy": SERVICE_USER,
            "itemsKeyValue": row,
            "entityMapping": {},
        },
    }
