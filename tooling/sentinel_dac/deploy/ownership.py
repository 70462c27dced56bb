"""Which objects in a workspace are ours: a state watchlist kept in the workspace itself.

Analytics rules carry no ARM tags (research notes §7.5: alertRules are proxy resources, "It will
not have tags and a location"), and a marker in a rule's description or name would be lost to
the first portal edit. So ownership is recorded twice, in ways a portal edit cannot undo:

* **deterministic names** (UUID5 of kind and content id, deploy/names.py): an object of ours is
  found again by name, whatever was edited; and
* **a state watchlist** (alias `SentinelDacState`) in the same workspace, one item per object
  we deployed: kind, name, content id, source file, the hash of the normalised body we applied
  and the etag the service returned. `prune` deletes only objects listed there; *drift* is a
  workspace object whose normalised body no longer hashes to what we applied.

The state lives with the workspace (no local state file to lose or share between CI runs),
is readable with `_GetWatchlist('SentinelDacState')`, and is written item by item after each
object, so an interrupted apply leaves a state that the next run completes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from ..content.watchlists import STATE_ALIAS, STATE_COLUMNS
from .clients import Clients, as_dict
from .live import items_json
from .names import watchlist_item_name
from .normalise import normalise, normalise_items
from .objects import ApiObject, Kind, WorkspaceRef

COLUMNS = STATE_COLUMNS
STATE_BODY: dict[str, Any] = {
    "properties": {
        "displayName": "sentinel-dac state",
        "provider": "sentinel-dac",
        "source": "sentinel-dac-state.csv",
        "sourceType": "Local",
        "description": "Objects deployed by sentinel-dac (do not edit): kind, name, hash and etag of the last apply.",
        "itemsSearchKey": "Key",
        "contentType": "text/csv",
        "numberOfLinesToSkip": 0,
        "rawContent": ",".join(COLUMNS) + "\n",
    }
}


@dataclass(frozen=True)
class Owned:
    kind: Kind
    name: str
    content_id: str
    source: str
    hash: str
    etag: str
    applied: str

    @property
    def key(self) -> str:
        return state_key(self.kind, self.name)


def state_row(owned: Owned) -> dict[str, str]:
    """The state watchlist item of one owned object (columns: STATE_COLUMNS)."""
    return {
        "Key": owned.key,
        "Kind": owned.kind.value,
        "Name": owned.name,
        "ContentId": owned.content_id,
        "Source": owned.source,
        "Hash": owned.hash,
        "Etag": owned.etag,
        "AppliedUtc": owned.applied,
    }


def state_key(kind: Kind, name: str) -> str:
    return f"{kind.value}/{name.lower()}"


def body_hash(kind: Kind, body: dict[str, Any], items: list[dict[str, Any]] | None = None) -> str:
    """Hash of the comparable form of an object (and a watchlist's items): equal hash, same content."""
    data: dict[str, Any] = {"body": normalise(kind, body)}
    if kind is Kind.WATCHLIST:
        data["items"] = normalise_items(items or [])
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def desired_hash(obj: ApiObject) -> str:
    return body_hash(obj.kind, obj.body, list(obj.extra.get("items", {}).values()) or None)


class State:
    """The state watchlist of one workspace."""

    def __init__(self, clients: Clients, ws: WorkspaceRef):
        self.clients, self.ws = clients, ws
        self.exists = False
        self.owned: dict[str, Owned] = {}

    def read(self) -> State:
        rg, name = self.ws.resource_group, self.ws.workspace_name
        try:
            self.clients.stable_insights.watchlists.get(rg, name, STATE_ALIAS)
        except ResourceNotFoundError:
            self.exists, self.owned = False, {}
            return self
        self.exists = True
        self.owned = {}
        for item in items_json(self.clients, self.ws, STATE_ALIAS):
            row = (item.get("properties") or {}).get("itemsKeyValue") or {}
            try:
                owned = Owned(
                    Kind(row["Kind"]),
                    row["Name"],
                    row.get("ContentId", ""),
                    row.get("Source", ""),
                    row.get("Hash", ""),
                    row.get("Etag", ""),
                    row.get("AppliedUtc", ""),
                )
            except (KeyError, ValueError):
                continue  # not an item we wrote: ignore it rather than act on it
            self.owned[owned.key] = owned
        return self

    def ensure(self) -> None:
        """Create the state watchlist when the workspace has none (the first apply)."""
        if self.exists:
            return
        from .clients import sdk_model

        obj = ApiObject(Kind.WATCHLIST, STATE_ALIAS, STATE_ALIAS, "", STATE_BODY)
        kwargs = {} if self.clients.polling_interval is None else {"polling_interval": self.clients.polling_interval}
        rg, name = self.ws.resource_group, self.ws.workspace_name
        self.clients.stable_insights.watchlists.begin_create_or_update(
            rg, name, STATE_ALIAS, sdk_model(obj), **kwargs
        ).result()
        self.exists = True

    def record(self, obj: ApiObject, hash_: str, etag: str) -> Owned:
        from azure.mgmt.securityinsight.models import WatchlistItem

        owned = Owned(obj.kind, obj.name, obj.content_id, obj.source, hash_, etag or "", _now())
        row = state_row(owned)
        self.clients.stable_insights.watchlist_items.create_or_update(
            self.ws.resource_group,
            self.ws.workspace_name,
            STATE_ALIAS,
            watchlist_item_name(STATE_ALIAS, owned.key),
            WatchlistItem(items_key_value=row),
        )
        self.owned[owned.key] = owned
        return owned

    def forget(self, kind: Kind, name: str) -> None:
        key = state_key(kind, name)
        with contextlib.suppress(ResourceNotFoundError):  # already gone: a re-run converges
            self.clients.stable_insights.watchlist_items.delete(
                self.ws.resource_group, self.ws.workspace_name, STATE_ALIAS, watchlist_item_name(STATE_ALIAS, key)
            )
        self.owned.pop(key, None)


def etag_of(body: dict[str, Any]) -> str:
    return str(as_dict(body).get("etag") or "")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
