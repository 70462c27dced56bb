"""What a workspace holds, read with as few requests as possible, and the SDK calls that change it.

A plan reads by *listing* (alert rules, saved searches, watchlists, workbooks: a few pages per
target) instead of one GET per object, so planning 500 rules costs about ten requests. Alert
rules are listed with the preview API version: stable versions omit NRT rules (apiversions.py).
Objects are keyed by (collection, name): Scheduled and NRT rules share the alertRules collection,
so a kind change is seen as a change of the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from .clients import Clients, as_dict
from .objects import ApiObject, Kind, WorkspaceRef

COLLECTIONS = {
    Kind.SCHEDULED_RULE: "alertRules",
    Kind.NRT_RULE: "alertRules",
    Kind.HUNTING_QUERY: "savedSearches",
    Kind.PARSER: "savedSearches",
    Kind.WATCHLIST: "watchlists",
    Kind.WORKBOOK: "workbooks",
}


def live_key(kind: Kind, name: str) -> tuple[str, str]:
    return (COLLECTIONS[kind], name.lower())


def kind_of(collection: str, body: dict[str, Any]) -> Kind:
    """The kind of a listed object (alert rules by their `kind`, saved searches by their alias)."""
    if collection == "alertRules":
        return Kind.NRT_RULE if body.get("kind") == "NRT" else Kind.SCHEDULED_RULE
    if collection == "savedSearches":
        return Kind.PARSER if (body.get("properties") or {}).get("functionAlias") else Kind.HUNTING_QUERY
    return Kind.WATCHLIST if collection == "watchlists" else Kind.WORKBOOK


@dataclass
class LiveWorkspace:
    objects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(collection, lower-case name) → the object as the service returns it."""
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Watchlist alias (lower case) → its items, read only for the watchlists a plan compares."""

    def get(self, kind: Kind, name: str) -> dict[str, Any] | None:
        return self.objects.get(live_key(kind, name))


def list_json(client: Any, path: str, api_version: str, **query: str) -> list[dict[str, Any]]:
    """Every item of an ARM list (following `nextLink`), as the JSON the service sent.

    Sent through the SDK client's own pipeline (`send_request`: its credential, retries and
    transport): deserialising hundreds of rules into SDK models and back cost seconds per
    target and added nothing, since a plan compares the service's JSON anyway.
    """
    from urllib.parse import urlencode

    from azure.core.rest import HttpRequest

    url: str | None = f"{path}?{urlencode({'api-version': api_version, **query})}"
    out: list[dict[str, Any]] = []
    while url:
        response = client.send_request(HttpRequest("GET", url))
        response.raise_for_status()
        data = response.json()
        out.extend(data.get("value") or [])
        url = data.get("nextLink")
    return out


def read_workspace(clients: Clients, ws: WorkspaceRef, kinds: set[Kind]) -> LiveWorkspace:
    """List every collection holding one of `kinds`."""
    from . import apiversions

    live = LiveWorkspace()
    wanted = {COLLECTIONS[k] for k in kinds}
    si = f"{ws.resource_id}/providers/Microsoft.SecurityInsights"

    def add(collection: str, results: list[dict[str, Any]]) -> None:
        for d in results:
            live.objects[(collection, str(d.get("name", "")).lower())] = d

    if "alertRules" in wanted:
        add("alertRules", list_json(clients.preview_insights, f"{si}/alertRules", apiversions.LIST_ALERT_RULES))
    if "savedSearches" in wanted:
        path = f"{ws.resource_id}/savedSearches"
        add("savedSearches", list_json(clients.log_analytics, path, apiversions.SAVED_SEARCHES))
    if "watchlists" in wanted:
        add("watchlists", list_json(clients.stable_insights, f"{si}/watchlists", apiversions.WATCHLISTS))
    if "workbooks" in wanted:
        # few per workspace, and this (msrest) client has no send_request: its models are fine here
        listed = clients.workbooks.workbooks.list_by_resource_group(
            ws.resource_group, category="sentinel", source_id=ws.resource_id, can_fetch_content=True
        )
        add("workbooks", [as_dict(w) for w in listed])
    return live


def items_json(clients: Clients, ws: WorkspaceRef, alias: str) -> list[dict[str, Any]]:
    from . import apiversions

    path = f"{ws.resource_id}/providers/Microsoft.SecurityInsights/watchlists/{alias}/watchlistItems"
    return list_json(clients.stable_insights, path, apiversions.WATCHLISTS)


def read_items(clients: Clients, ws: WorkspaceRef, live: LiveWorkspace, alias: str) -> list[dict[str, Any]]:
    key = alias.lower()
    if key not in live.items:
        live.items[key] = items_json(clients, ws, alias)
    return live.items[key]


def delete(clients: Clients, ws: WorkspaceRef, kind: Kind, name: str) -> None:
    """Delete one object; an object already gone is not an error (a re-run converges)."""
    rg, wsn = ws.resource_group, ws.workspace_name
    try:
        if kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
            clients.preview_insights.alert_rules.delete(rg, wsn, name)
        elif kind in (Kind.HUNTING_QUERY, Kind.PARSER):
            clients.log_analytics.saved_searches.delete(rg, wsn, name)
        elif kind is Kind.WATCHLIST:
            kwargs = {} if clients.polling_interval is None else {"polling_interval": clients.polling_interval}
            clients.stable_insights.watchlists.begin_delete(rg, wsn, name, **kwargs).result()
        else:
            clients.workbooks.workbooks.delete(rg, name)
    except ResourceNotFoundError:
        pass


def as_object(kind: Kind, name: str) -> ApiObject:
    """An addressable stand-in for an object we only know by kind and name (prune, replace)."""
    return ApiObject(kind=kind, name=name, content_id="", source="", body={})
