"""Watchlists → Microsoft.SecurityInsights watchlists bodies, items included.

The watchlist PUT carries its items as CSV in `rawContent` (bulk creation; research notes §10):
one request creates the watchlist and all its items. The service does not echo `rawContent`
back, so a later diff compares items, read through the watchlistItems list: `item_bodies`
gives the same rows in that shape, each under a stable item id.
"""

from __future__ import annotations

from typing import Any

from ..content.model import Watchlist
from ..errors import DeployError
from .names import watchlist_item_name
from .objects import ApiObject, Kind

MAX_LOCAL_UPLOAD_BYTES = int(3.8 * 1024 * 1024)
"""Local-file upload limit; larger watchlists need Azure Storage (sentinel-service-limits, §10)."""


def raw_content(watchlist: Watchlist) -> str:
    text = watchlist.csv_path.read_text(encoding="utf-8-sig")
    size = len(text.encode("utf-8"))
    if size > MAX_LOCAL_UPLOAD_BYTES:
        raise DeployError(
            f"{watchlist.display}: {watchlist.csv_path.name} is {size:,} bytes; Sentinel accepts at most "
            f"{MAX_LOCAL_UPLOAD_BYTES:,} bytes per local upload (larger watchlists must come from Azure Storage)"
        )
    return text.replace("\r\n", "\n")


def watchlist_body(watchlist: Watchlist) -> dict[str, Any]:
    props: dict[str, Any] = {
        "displayName": watchlist.display_name,
        "provider": watchlist.provider,
        "source": watchlist.csv_path.name,
        "sourceType": "Local",
        "description": watchlist.description,
        "itemsSearchKey": watchlist.search_key,
        "contentType": "text/csv",
        "numberOfLinesToSkip": 0,
        "rawContent": raw_content(watchlist),
    }
    labels = watchlist.source.data.get("labels")
    if labels:
        props["labels"] = list(labels)
    return {"properties": props}


def item_bodies(watchlist: Watchlist) -> dict[str, dict[str, Any]]:
    """{item id: watchlistItem body} for every row, keyed by a stable id from the search key."""
    return {
        watchlist_item_name(watchlist.alias, row[watchlist.search_key]): {"properties": {"itemsKeyValue": dict(row)}}
        for row in watchlist.rows
    }


def watchlist_object(watchlist: Watchlist) -> ApiObject:
    return ApiObject(
        kind=Kind.WATCHLIST,
        name=watchlist.alias,
        content_id=watchlist.alias,
        source=watchlist.display,
        body=watchlist_body(watchlist),
        title=watchlist.display_name,
        extra={"items": item_bodies(watchlist)},
    )
