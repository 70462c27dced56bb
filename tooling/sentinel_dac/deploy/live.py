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

from .clients import Clients, as_dict, watchlist_items
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


def read_workspace(clients: Clients, ws: WorkspaceRef, kinds: set[Kind]) -> LiveWorkspace:
    """List every collection holding one of `kinds`."""
    rg, name = ws.resource_group, ws.workspace_name
    live = LiveWorkspace()
    wanted = {COLLECTIONS[k] for k in kinds}

    def add(collection: str, results) -> None:
        for r in results:
            d = as_dict(r)
            live.objects[(collection, str(d.get("name", "")).lower())] = d

    if "alertRules" in wanted:
        add("alertRules", clients.preview_insights.alert_rules.list(rg, name))
    if "savedSearches" in wanted:
        add("savedSearches", clients.log_analytics.saved_searches.list_by_workspace(rg, name).value or [])
    if "watchlists" in wanted:
        add("watchlists", clients.stable_insights.watchlists.list(rg, name))
    if "workbooks" in wanted:
        add(
            "workbooks",
            clients.workbooks.workbooks.list_by_resource_group(
                rg, category="sentinel", source_id=ws.resource_id, can_fetch_content=True
            ),
        )
    return live


def read_items(clients: Clients, ws: WorkspaceRef, live: LiveWorkspace, alias: str) -> list[dict[str, Any]]:
    key = alias.lower()
    if key not in live.items:
        live.items[key] = watchlist_items(clients, ws, alias)
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
