"""Emulated Microsoft.SecurityInsights alertRules: PUT/GET/LIST/DELETE with Sentinel's checks.

A PUT is checked in the order the service would fail it: the body against the spec of its
api-version, technique formats, our content limits, then the query compiled against the
workspace's tables, deployed functions and watchlists; then the etag.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ..deploy.normalise import RULE_DURATIONS, _iso
from .compile import compile_problems, workspace_catalog
from .constraints import rule_problems
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
from .store import Stored, new_etag, now_iso
from .workspace import EmulatedWorkspace

TYPE = "Microsoft.SecurityInsights/alertRules"
TECHNIQUE = re.compile(r"^T\d{4}$")
SUB_TECHNIQUE = re.compile(r"^T\d{4}\.\d{3}$")
PREVIEW_ONLY = ("subTechniques", "sentinelEntitiesMappings")
NULL_DEFAULTS = ("alertRuleTemplateName", "templateVersion", "customDetails", "entityMappings", "alertDetailsOverride")
TABLE_MISSING = "Failed to run the analytics rule query. One of the tables does not exist."
"""The service's message (research notes §7.6)."""


def handle(state: State, req: Request, ws: EmulatedWorkspace, rule_id: str | None) -> Response:
    version = check_api_version(req, "alertRules", supported_versions("alertRules"))
    collection = f"{ws.ref.resource_id}/providers/{TYPE}"
    if rule_id is None:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on the alertRules collection.")
        stored = state.store.children(collection)
        if not version.endswith("-preview"):
            stored = [s for s in stored if s.body["kind"] != "NRT"]  # stable versions do not list NRT (§7.3)
        return Response(200, page(req, stored, state.settings.page_size, lambda s: render(s, version)))
    path = f"{collection}/{rule_id}"
    current = state.store.get(path)
    if req.method == "GET":
        if current is None:
            raise not_found(f"Alert rule '{rule_id}'")
        return Response(200, render(current, version))
    if req.method == "DELETE":
        return Response(200 if state.store.delete(path) else 204)
    if req.method != "PUT":
        raise ArmError(405, "MethodNotAllowed", f"{req.method} is not supported on alert rules.")
    body = req.body
    check_rule(state, ws, rule_id, version, body)
    if current is not None and current.body.get("kind") != body.get("kind") and state.settings.kind_change == "reject":
        raise bad_request(
            f"The kind of alert rule '{rule_id}' cannot change from {current.body.get('kind')} to {body.get('kind')}; "
            "delete the rule and create it again."
        )
    check_etag(
        req,
        body.get("etag"),
        current,
        state.settings.etag_modes["alertRules"],
        f"alert rule '{rule_id}'",
        f"New version of resource '{rule_id}' exists. Data was not saved",
    )
    stored = Stored(path, rule_id, _stored_body(body), new_etag(), version)
    if current is not None:
        stored.created = current.created
    state.store.put(stored)
    return Response(201 if current is None else 200, render(stored, version))


def check_rule(state: State, ws: EmulatedWorkspace, rule_id: str, version: str, body: Any) -> None:
    problems = [str(p) for p in validate_body("alertRules", version, body, strict=state.settings.strict_fields)]
    if problems:
        raise invalid_model(problems)
    props = body.get("properties") or {}
    for tid in props.get("techniques") or ():
        if not TECHNIQUE.match(str(tid)):
            problems.append(
                f"The technique '{tid}' is invalid. The expected format is 'T####', where # represents a digit."
            )
    for tid in props.get("subTechniques") or ():
        if not SUB_TECHNIQUE.match(str(tid)):
            problems.append(f"The sub-technique '{tid}' is invalid. The expected format is 'T####.###'.")
    problems += rule_problems(rule_id, body)
    if problems:
        raise invalid_model(problems)
    if state.settings.compile_queries:
        check_query(state, ws, props.get("query") or "")


def check_query(state: State, ws: EmulatedWorkspace, query: str) -> None:
    """Compile against the tables analytics rules may query (Analytics plan), functions and watchlists."""
    found = compile_problems(query, workspace_catalog(ws), state.function_bodies(ws), state.watchlists(ws))
    if not found:
        return
    tables = [p for p in found if p.unknown_table]
    if tables:
        names = ", ".join(f"'{p.unknown_name}'" for p in tables)
        basic = [p.unknown_name for p in tables if p.unknown_name and ws.table(p.unknown_name)]
        extra = (
            f"; {', '.join(basic)} is on the Basic or Auxiliary plan, which analytics rules cannot query"
            if basic
            else ""
        )
        raise bad_request(f"{TABLE_MISSING} (not in workspace '{ws.ref.workspace_name}': {names}{extra})")
    first = found[0]
    raise bad_request(
        f"Failed to run the analytics rule query. {first.message} (query line {first.line}, column {first.column})"
    )


def _stored_body(body: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    props = {k: v for k, v in (body.get("properties") or {}).items() if v is not None and k != "lastModifiedUtc"}
    for key in RULE_DURATIONS:
        if isinstance(props.get(key), str):
            props[key] = _iso(props[key])  # the service re-serialises durations: PT24H → P1D
    grouping = (props.get("incidentConfiguration") or {}).get("groupingConfiguration")
    if grouping and isinstance(grouping.get("lookbackDuration"), str):
        grouping["lookbackDuration"] = _iso(grouping["lookbackDuration"])
    props["lastModifiedUtc"] = now_iso()
    return {"kind": body["kind"], "properties": props}


def render(stored: Stored, version: str) -> dict[str, Any]:
    """The resource as a GET in `version` answers it: nulls and defaults for unset members."""
    props = copy.deepcopy(stored.body["properties"])
    for key in NULL_DEFAULTS:
        props.setdefault(key, None)
    props.setdefault("tactics", [])
    props.setdefault("techniques", [])
    if version.endswith("-preview"):
        props.setdefault("subTechniques", [])
        props.setdefault("sentinelEntitiesMappings", None)
    else:
        for key in PREVIEW_ONLY:
            props.pop(key, None)
    return {
        "id": stored.path,
        "name": stored.name,
        "type": TYPE,
        "kind": stored.body["kind"],
        "etag": stored.etag,
        "properties": props,
    }
