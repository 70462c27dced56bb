"""Deterministic object names: the same content always maps to the same Azure object.

Names are UUID5 values derived from the content id and the kind. Deriving (rather than reusing
the rule's own id) matters: a community rule's id is also the id of Microsoft's template, and an
analytics rule created from that template in the portal may carry the same name. Deploying under
our own derived name means we never overwrite an object someone else created from the same
template. Watchlists are the exception: their name *is* the alias (`_GetWatchlist('alias')`).
"""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6d1f0c5e-3a57-5b8e-9a51-5e471e1dac00")
"""Fixed namespace of sentinel-dac object names. Never change it: every deployed name depends on it."""


def object_name(kind: str, content_id: str) -> str:
    """The object name for content `content_id` of kind `kind` (lower-case UUID text)."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{content_id.strip().lower()}"))


def watchlist_item_name(alias: str, search_key_value: str) -> str:
    """A stable item id for a watchlist row, from its alias and search-key value."""
    return str(uuid.uuid5(NAMESPACE, f"watchlist-item:{alias.lower()}:{search_key_value}"))
