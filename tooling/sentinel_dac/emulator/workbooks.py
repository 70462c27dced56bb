"""Emulated Microsoft.Insights/workbooks (2023-06-01): names are UUIDs, content on request.

A GET returns `serializedData` only with `canFetchContent=true` (the spec's parameter), the
list needs a `category` and may filter by `sourceId`; ARM hands back the `sourceId` in lower
case. Read-only members (`timeModified`, `userId`, `revision`) are filled in.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from .http import (
    ArmError,
    Request,
    Response,
    bad_request,
    check_api_version,
    check_etag,
    invalid_model,
    not_found,
    page,
)
from .openapi import supported_versions, validate_body
from .state import State
from .store import Stored, new_etag

TYPE = "microsoft.insights/workbooks"
USER_ID = "00000000-0000-0000-0000-0000000000ee"


def handle(state: State, req: Request, subscription: str, resource_group: str, name: str | None) -> Response:
    version = check_api_version(req, "workbooks", supported_versions("workbooks"))
    if not state.resource_group_exists(subscription, resource_group):
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found.")
    collection = f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Insights/workbooks"
    content = req.query.get("canFetchContent", "false").lower() == "true"
    if name is None:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on the workbooks collection.")
        category = req.query.get("category")
        if not category:
            raise bad_request("The query parameter 'category' is required to list workbooks.")
        source = req.query.get("sourceId", "").lower()
        items = [
            render(s, content)
            for s in state.store.children(collection)
            if s.body["properties"].get("category") == category
            and (not source or s.body["properties"].get("sourceId", "").lower() == source)
        ]
        return Response(200, page(req, items, state.settings.page_size))
    try:
        uuid.UUID(name)
    except ValueError:
        raise bad_request(
            f"The workbook name '{name}' is not valid: it must be a UUID.", "InvalidResourceName"
        ) from None
    path = f"{collection}/{name}"
    current = state.store.get(path)
    if req.method == "GET":
        if current is None:
            raise not_found(f"Workbook '{name}'")
        return Response(200, render(current, content))
    if req.method == "DELETE":
        return Response(200 if state.store.delete(path) else 204)
    if req.method != "PUT":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on workbooks by the emulator.")
    body = req.body
    problems = [str(p) for p in validate_body("workbooks", version, body, strict=state.settings.strict_fields)]
    if problems:
        raise invalid_model(problems)
    check_etag(
        req,
        body.get("etag"),
        current,
        state.settings.etag_modes["workbooks"],
        f"workbook '{name}'",
        f"The workbook '{name}' was changed since it was read",
    )
    stored_body = {k: copy.deepcopy(v) for k, v in body.items() if k not in ("etag", "id", "name", "type")}
    source_id = req.query.get("sourceId")
    if source_id and not stored_body["properties"].get("sourceId"):
        stored_body["properties"]["sourceId"] = source_id
    stored = Stored(path, name, stored_body, new_etag(), version)
    stored.extra["revision"] = uuid.uuid4().hex
    if current is not None:
        stored.created = current.created
    state.store.put(stored)
    return Response(201 if current is None else 200, render(stored, True))


def render(stored: Stored, content: bool) -> dict[str, Any]:
    body = copy.deepcopy(stored.body)
    props = body.get("properties", {})
    if not content:
        props["serializedData"] = None
    if props.get("sourceId"):
        props["sourceId"] = props["sourceId"].lower()
    props.update(
        {
            "timeModified": stored.updated,
            "userId": USER_ID,
            "revision": stored.extra.get("revision"),
            "storageUri": None,
        }
    )
    props.setdefault("tags", [])
    return {
        "id": stored.path,
        "name": stored.name,
        "type": TYPE,
        "location": body.get("location"),
        "kind": body.get("kind"),
        "tags": body.get("tags") or {},
        "etag": stored.etag,
        "properties": props,
    }
