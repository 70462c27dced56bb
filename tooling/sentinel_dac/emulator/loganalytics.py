"""Emulated Microsoft.OperationalInsights: the workspace, its tables (read-only) and saved searches.

Saved searches follow the service (research notes §7.2, §9): overwriting an existing one needs
its etag or `*` (else 409), `etag`/`eTag` may also sit inside `properties` (Microsoft's own
templates put it there), PascalCase property names are accepted, and the list has no paging.
"""

from __future__ import annotations

import copy
from typing import Any

from ..catalog.tables import STANDARD_COLUMNS
from .constraints import saved_search_problems
from .http import ArmError, Request, Response, bad_request, check_api_version, check_etag, invalid_model, not_found
from .openapi import supported_versions, validate_body
from .state import State
from .store import Stored, new_etag
from .workspace import EmulatedWorkspace

WORKSPACE_VERSIONS = ["2022-10-01", "2023-09-01", "2025-02-01", "2025-07-01"]
SAVED_SEARCH_TYPE = "Microsoft.OperationalInsights/savedSearches"


def workspace(req: Request, ws: EmulatedWorkspace) -> Response:
    check_api_version(req, "workspaces", WORKSPACE_VERSIONS)
    if req.method != "GET":
        raise ArmError(
            405, "MethodNotAllowed", "The emulator's workspaces are defined by its fixture file (read-only)."
        )
    return Response(
        200,
        {
            "id": ws.ref.resource_id,
            "name": ws.ref.workspace_name,
            "type": "Microsoft.OperationalInsights/workspaces",
            "location": ws.ref.location,
            "properties": {
                "customerId": ws.customer_id,
                "provisioningState": "Succeeded",
                "sku": {"name": ws.pricing_tier},
                "retentionInDays": 90,
                "publicNetworkAccessForIngestion": "Enabled",
                "publicNetworkAccessForQuery": "Enabled",
            },
        },
    )


def tables(req: Request, ws: EmulatedWorkspace, name: str | None) -> Response:
    check_api_version(req, "workspaces/tables", WORKSPACE_VERSIONS)
    if req.method != "GET":
        raise ArmError(405, "MethodNotAllowed", "The emulator's tables are defined by its fixture file (read-only).")
    if name is None:
        return Response(200, {"value": [_table(ws, t) for t in ws.tables.values()]})
    table = ws.table(name)
    if table is None:
        raise not_found(f"Table '{name}'")
    return Response(200, _table(ws, table))


def _table(ws: EmulatedWorkspace, t) -> dict[str, Any]:
    custom = t.name.endswith("_CL")
    standard = {n for n, _ in STANDARD_COLUMNS}
    cols = [{"name": c, "type": typ} for c, typ in t.columns.items()]
    schema = {
        "name": t.name,
        "tableType": "CustomLog" if custom else "Microsoft",
        "columns": [c for c in cols if c["name"] not in standard] if custom else [],
        "standardColumns": [c for c in cols if c["name"] in standard] if custom else cols,
    }
    return {
        "id": f"{ws.ref.resource_id}/tables/{t.name}",
        "name": t.name,
        "type": "Microsoft.OperationalInsights/workspaces/tables",
        "properties": {
            "plan": t.plan,
            "retentionInDays": t.retention_in_days,
            "totalRetentionInDays": t.retention_in_days,
            "schema": schema,
            "provisioningState": "Succeeded",
        },
    }


def saved_searches(state: State, req: Request, ws: EmulatedWorkspace, search_id: str | None) -> Response:
    version = check_api_version(req, "savedSearches", supported_versions("savedSearches"))
    collection = f"{ws.ref.resource_id}/savedSearches"
    if search_id is None:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on the savedSearches collection.")
        return Response(200, {"value": [render(s) for s in state.store.children(collection)]})
    path = f"{collection}/{search_id}"
    current = state.store.get(path)
    if req.method == "GET":
        if current is None:
            raise not_found(f"Saved search '{search_id}'")
        return Response(200, render(current))
    if req.method == "DELETE":
        state.store.delete(path)
        return Response(200)
    if req.method != "PUT":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on saved searches.")
    body, etag = canonical(req.body)
    problems = [str(p) for p in validate_body("savedSearches", version, body, strict=state.settings.strict_fields)]
    problems = problems or saved_search_problems(search_id, body)
    if problems:
        raise invalid_model(problems)
    _check_alias_unique(state, collection, search_id, body)
    check_etag(
        req,
        etag,
        current,
        state.settings.etag_modes["savedSearches"],
        f"saved search '{search_id}'",
        "Newer data exists in the Customer Configuration Store.",
    )
    props = {k: v for k, v in body["properties"].items() if v is not None}
    props.setdefault("version", 2)
    stored = Stored(path, search_id, {"properties": props}, new_etag(), version)
    state.store.put(stored)
    return Response(200, render(stored))


def canonical(body: Any) -> tuple[Any, Any]:
    """Accept the spellings the service accepts: PascalCase properties, etag inside properties."""
    if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
        return body, None
    body = copy.deepcopy(body)
    props = {k[:1].lower() + k[1:]: v for k, v in body["properties"].items()}
    etag = body.get("etag") or props.pop("etag", None) or props.pop("eTag", None)
    props.pop("eTag", None)
    if isinstance(props.get("tags"), list):
        props["tags"] = [
            {k[:1].lower() + k[1:]: v for k, v in t.items()} if isinstance(t, dict) else t for t in props["tags"]
        ]
    body["properties"] = props
    body.pop("etag", None)
    return body, etag


def _check_alias_unique(state: State, collection: str, search_id: str, body: dict[str, Any]) -> None:
    alias = body["properties"].get("functionAlias")
    if not alias:
        return
    for other in state.store.children(collection):
        if (
            other.name.lower() != search_id.lower()
            and str(other.body["properties"].get("functionAlias", "")).lower() == alias.lower()
        ):
            raise bad_request(
                f"A function with alias '{alias}' already exists in this workspace (saved search '{other.name}')."
            )


def render(stored: Stored) -> dict[str, Any]:
    return {
        "id": stored.path,
        "name": stored.name,
        "type": SAVED_SEARCH_TYPE,
        "etag": stored.etag,
        "properties": copy.deepcopy(stored.body["properties"]),
    }
