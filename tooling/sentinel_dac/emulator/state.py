"""What the emulator knows: its workspaces, stored objects, settings and running operations."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from ..deploy.savedsearches import parse_function_parameters
from .http import ETAG_MODES, ArmError
from .store import Store
from .workspace import EmulatedWorkspace

DEFAULT_ETAG_MODES = {
    "alertRules": "conflict",
    "savedSearches": "required",
    "watchlists": "conflict",
    "workbooks": "conflict",
}
"""Saved searches answer 409 to a missing or stale etag over an existing object (research notes
§7.2, several sources). For alert rules and workbooks the answer to a stale etag is not
documented (§7.2, gaps 5): Terraform users report 409 for alert rules, the generic Azure
guideline says 412 for If-Match. Default 409 for a stale etag; set `precondition` for 412 or
`ignore` for last-writer-wins."""


@dataclass
class Settings:
    page_size: int = 50
    """Objects per list page (the alertRules page size is not documented, research notes §7.3)."""
    etag_modes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ETAG_MODES))
    strict_fields: bool = True
    """Reject members the spec does not define (a misspelt field) instead of ignoring them."""
    compile_queries: bool = True
    kind_change: str = "reject"
    """Whether a PUT may change an alert rule's kind. Undocumented (research notes §7.4), so the
    emulator defaults to the stricter answer; `allow` accepts it."""
    lro_polls: int = 1
    """Polls a long-running operation reports InProgress before it succeeds."""

    def __post_init__(self) -> None:
        for resource, mode in self.etag_modes.items():
            if mode not in ETAG_MODES:
                raise ValueError(f"etag mode '{mode}' for {resource} must be one of {', '.join(ETAG_MODES)}")
        if self.kind_change not in ("reject", "allow"):
            raise ValueError("kind_change must be 'reject' or 'allow'")


@dataclass
class Operation:
    id: str
    remaining: int
    status: str = "InProgress"


@dataclass
class State:
    workspaces: list[EmulatedWorkspace]
    settings: Settings = field(default_factory=Settings)
    store: Store = field(default_factory=Store)
    operations: dict[str, Operation] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def workspace(self, subscription: str, resource_group: str, name: str) -> EmulatedWorkspace:
        for ws in self.workspaces:
            r = ws.ref
            if (r.subscription_id.lower(), r.resource_group.lower(), r.workspace_name.lower()) == (
                subscription.lower(),
                resource_group.lower(),
                name.lower(),
            ):
                return ws
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource 'Microsoft.OperationalInsights/workspaces/{name}' under resource group "
            f"'{resource_group}' was not found.",
        )

    def resource_group_exists(self, subscription: str, resource_group: str) -> bool:
        return any(
            (w.ref.subscription_id.lower(), w.ref.resource_group.lower())
            == (subscription.lower(), resource_group.lower())
            for w in self.workspaces
        )

    def tenant_of_path(self, path: str) -> str | None:
        """The tenant owning the subscription (ARM) or workspace (query API) a path names."""
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0].lower() == "subscriptions":
            sub = parts[1].lower()
            return next((w.tenant_id.lower() for w in self.workspaces if w.ref.subscription_id.lower() == sub), None)
        if len(parts) >= 3 and parts[:2] == ["v1", "workspaces"]:
            ws = self.by_customer_id(parts[2])
            return ws.tenant_id.lower() if ws else None
        return None

    def by_customer_id(self, customer_id: str) -> EmulatedWorkspace | None:
        return next((w for w in self.workspaces if w.customer_id.lower() == customer_id.lower()), None)

    def saved_searches(self, ws: EmulatedWorkspace) -> list[dict[str, Any]]:
        return [s.body for s in self.store.children(f"{ws.ref.resource_id}/savedSearches")]

    def functions(self, ws: EmulatedWorkspace) -> dict[str, list[tuple[str, str]]]:
        """Deployed KQL functions (saved searches with an alias) → their (name, type) parameters."""
        out = {}
        for body in self.saved_searches(ws):
            props = body.get("properties", {})
            if props.get("functionAlias"):
                try:
                    params = [(n, t) for n, t, _ in parse_function_parameters(props.get("functionParameters") or "")]
                except ValueError:
                    params = []
                out[props["functionAlias"]] = params
        return out

    def function_bodies(self, ws: EmulatedWorkspace) -> dict[str, tuple[list[tuple[str, str]], str]]:
        """Deployed functions → ((name, type) parameters, body), for compiling rule queries."""
        params = self.functions(ws)
        out = {}
        for body in self.saved_searches(ws):
            props = body.get("properties", {})
            if props.get("functionAlias"):
                out[props["functionAlias"]] = (params.get(props["functionAlias"], []), props.get("query") or "")
        return out

    def function_definitions(self, ws: EmulatedWorkspace) -> list[str]:
        """Deployed functions as Kusto definitions, for the query engine."""
        out = []
        for body in self.saved_searches(ws):
            props = body.get("properties", {})
            if props.get("functionAlias"):
                out.append(
                    f"function {props['functionAlias']}({props.get('functionParameters') or ''}) {{ {props['query']} }}"
                )
        return out

    def watchlists(self, ws: EmulatedWorkspace) -> dict[str, list[str]]:
        coll = f"{ws.ref.resource_id}/providers/Microsoft.SecurityInsights/watchlists"
        return {s.name: list(s.extra.get("columns", [])) for s in self.store.children(coll)}

    def start_operation(self) -> Operation:
        op = Operation(str(uuid.uuid4()), self.settings.lro_polls)
        if op.remaining <= 0:
            op.status = "Succeeded"
        self.operations[op.id] = op
        return op
