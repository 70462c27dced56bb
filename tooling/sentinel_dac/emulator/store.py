"""The emulator's in-memory resources, with etags as the services keep them.

Keys are ARM paths compared without case (ARM ids are case-insensitive). Every write gets a new
etag (quoted, as the services return it). Objects keep their insertion order, so a list pages
through them stably.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_etag() -> str:
    return f'"{uuid.uuid4()}"'


@dataclass
class Stored:
    path: str
    name: str
    body: dict[str, Any]
    etag: str
    api_version: str
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    extra: dict[str, Any] = field(default_factory=dict)


class Store:
    def __init__(self) -> None:
        self._items: dict[str, Stored] = {}
        self._lock = threading.RLock()

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def get(self, path: str) -> Stored | None:
        return self._items.get(path.lower())

    def put(self, item: Stored) -> None:
        self._items[item.path.lower()] = item

    def delete(self, path: str) -> Stored | None:
        prefix = path.lower() + "/"
        for key in [k for k in self._items if k.startswith(prefix)]:
            del self._items[key]
        return self._items.pop(path.lower(), None)

    def children(self, collection: str) -> list[Stored]:
        """Direct children of a collection path, in insertion order."""
        prefix = collection.lower().rstrip("/") + "/"
        return [v for k, v in self._items.items() if k.startswith(prefix) and "/" not in k[len(prefix) :]]

    def clear(self) -> None:
        self._items.clear()
