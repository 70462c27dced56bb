"""What the service returns → the shape we send, so a diff compares like with like.

A GET answers with more than we PUT: read-only fields (`id`, `etag`, `systemData`,
`lastModifiedUtc`...), nulls and empty lists for everything optional, defaults filled in,
durations re-serialised (`PT24H` comes back as `P1D`), a resource id in another case, and for
watchlists no `rawContent` at all. `normalise` removes or canonicalises all of that. It is
idempotent and applies to our own bodies too: `normalise(sent) == normalise(got)` means
"nothing to change". Our mapping already writes canonical bodies, so for rules and saved
searches `normalise(got) == sent` as well.
"""

from __future__ import annotations

import json
from typing import Any

from ..content.durations import parse_duration, to_iso
from .objects import Kind
from .rules import DEFAULT_GROUPING, TRIGGER_OPERATORS
from .savedsearches import SAVED_SEARCH_VERSION
from .workbooks import canonical_json

READ_ONLY_TOP = ("id", "name", "type", "etag", "systemData")
RULE_READ_ONLY = ("lastModifiedUtc",)
RULE_DURATIONS = ("queryFrequency", "queryPeriod", "suppressionDuration")
SAVED_SEARCH_SERVICE_TAGS = ("createdBy", "createdTimeUtc")
"""Tags the portal adds to saved searches it writes (research notes §9.3): metadata, not content."""
WORKBOOK_READ_ONLY = ("timeModified", "userId", "revision", "storageUri")
WATCHLIST_READ_ONLY = (
    "watchlistId",
    "created",
    "updated",
    "createdBy",
    "updatedBy",
    "tenantId",
    "isDeleted",
    "uploadStatus",
    "provisioningState",
    "watchlistType",
    "watchlistAlias",
    "defaultDuration",
)
WATCHLIST_UPLOAD_ONLY = ("rawContent", "contentType", "numberOfLinesToSkip")
"""Upload parameters: sent once, never returned, so they are not part of the compared state."""


def normalise(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """The comparable form of an object body of `kind`, sent or returned."""
    out = _drop_empty({k: v for k, v in body.items() if k not in READ_ONLY_TOP}, keep=())
    props = dict(out.get("properties") or {})
    if kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
        props = _rule(props)
    elif kind in (Kind.HUNTING_QUERY, Kind.PARSER):
        props = _saved_search(props)
    elif kind is Kind.WORKBOOK:
        out, props = _workbook(out, props)
    elif kind is Kind.WATCHLIST:
        props = {k: v for k, v in props.items() if k not in WATCHLIST_READ_ONLY + WATCHLIST_UPLOAD_ONLY}
    out["properties"] = _drop_empty(props)
    return out


def normalise_items(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Watchlist items (as listed by the service, or our item bodies) → sorted rows of strings."""
    rows = []
    for item in items:
        values = (item.get("properties") or {}).get("itemsKeyValue") or {}
        rows.append({str(k): "" if v is None else str(v) for k, v in values.items()})
    return sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def _rule(props: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in props.items() if k not in RULE_READ_ONLY}
    for key in RULE_DURATIONS:
        if isinstance(props.get(key), str):
            props[key] = _iso(props[key])
    op = props.get("triggerOperator")
    if isinstance(op, str):
        props["triggerOperator"] = TRIGGER_OPERATORS.get(op, op)
    props.setdefault("eventGroupingSettings", {"aggregationKind": "SingleAlert"})
    if props["eventGroupingSettings"].get("aggregationKind") is None:
        props["eventGroupingSettings"] = {"aggregationKind": "SingleAlert"}
    incident = dict(props.get("incidentConfiguration") or {"createIncident": True})
    grouping = {**DEFAULT_GROUPING, **_drop_none(incident.get("groupingConfiguration") or {})}
    grouping["lookbackDuration"] = _iso(grouping["lookbackDuration"])
    for key in ("groupByEntities", "groupByAlertDetails", "groupByCustomDetails"):
        grouping[key] = list(grouping.get(key) or [])
    incident["groupingConfiguration"] = grouping
    props["incidentConfiguration"] = incident
    props.setdefault("tactics", [])
    if props.get("alertDetailsOverride"):
        props["alertDetailsOverride"] = _drop_empty(props["alertDetailsOverride"])
    return props


def _saved_search(props: dict[str, Any]) -> dict[str, Any]:
    # The service and Microsoft's templates spell some keys in PascalCase (FunctionAlias, eTag).
    props = {k[:1].lower() + k[1:]: v for k, v in props.items()}
    props.pop("etag", None)
    props.setdefault("version", SAVED_SEARCH_VERSION)
    tags = []
    for tag in props.get("tags") or ():
        name = str(tag.get("name") or tag.get("Name") or "")
        value = str(tag.get("value") if "value" in tag else tag.get("Value", ""))
        if name in SAVED_SEARCH_SERVICE_TAGS:
            continue
        if name.lower() in ("tactics", "techniques"):
            value = ",".join(v.strip() for v in value.split(",") if v.strip())
        tags.append({"name": name, "value": value})
    props["tags"] = tags
    if not tags:
        del props["tags"]
    return props


def _workbook(out: dict[str, Any], props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    props = {k: v for k, v in props.items() if k not in WORKBOOK_READ_ONLY}
    if isinstance(props.get("serializedData"), str):
        props["serializedData"] = canonical_json(json.loads(props["serializedData"]))
    if isinstance(props.get("sourceId"), str):
        props["sourceId"] = props["sourceId"].lower()
    out = dict(out)
    if isinstance(out.get("location"), str):
        out["location"] = out["location"].replace(" ", "").lower()
    return out, props


def _iso(text: str) -> str:
    try:
        return to_iso(parse_duration(text))
    except ValueError:
        return text


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


KEEP_EMPTY = ("tactics", "groupByEntities", "groupByAlertDetails", "groupByCustomDetails")


def _drop_empty(d: dict[str, Any], keep: tuple[str, ...] = KEEP_EMPTY) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and (v not in ([], {}) or k in keep)}
