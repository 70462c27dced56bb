"""The API objects we deploy: their kinds, where they live in ARM, and the body we send.

An `ApiObject` is the exact request body for one object plus what is needed to address it
(kind, name, api-version) and to order it (what it depends on). The object mapping builds
them, the ARM exporter renders them as template resources, the emulator validates them and
the deploy workflow (plan/apply) diffs and sends them -- all from the same value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from . import apiversions


class Kind(StrEnum):
    SCHEDULED_RULE = "scheduled-rule"
    NRT_RULE = "nrt-rule"
    HUNTING_QUERY = "hunting-query"
    PARSER = "parser"
    WATCHLIST = "watchlist"
    WORKBOOK = "workbook"


@dataclass(frozen=True)
class ResourceType:
    """How one kind is addressed: the collection under the workspace and its ARM type."""

    collection: str
    """Path segment after the workspace (or resource group for workbooks)."""
    arm_type: str
    """The `type` of the resource as ARM templates name it."""
    api_version: str
    workspace_child: bool = True


RESOURCE_TYPES: dict[Kind, ResourceType] = {
    Kind.SCHEDULED_RULE: ResourceType(
        "providers/Microsoft.SecurityInsights/alertRules",
        "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        apiversions.SCHEDULED_RULES,
    ),
    Kind.NRT_RULE: ResourceType(
        "providers/Microsoft.SecurityInsights/alertRules",
        "Microsoft.OperationalInsights/workspaces/providers/alertRules",
        apiversions.NRT_RULES,
    ),
    Kind.HUNTING_QUERY: ResourceType(
        "savedSearches", "Microsoft.OperationalInsights/workspaces/savedSearches", apiversions.SAVED_SEARCHES
    ),
    Kind.PARSER: ResourceType(
        "savedSearches", "Microsoft.OperationalInsights/workspaces/savedSearches", apiversions.SAVED_SEARCHES
    ),
    Kind.WATCHLIST: ResourceType(
        "providers/Microsoft.SecurityInsights/watchlists",
        "Microsoft.OperationalInsights/workspaces/providers/watchlists",
        apiversions.WATCHLISTS,
    ),
    Kind.WORKBOOK: ResourceType(
        "providers/Microsoft.Insights/workbooks", "Microsoft.Insights/workbooks", apiversions.WORKBOOKS, False
    ),
}

DEPLOY_ORDER: tuple[Kind, ...] = (
    Kind.WATCHLIST,
    Kind.PARSER,
    Kind.SCHEDULED_RULE,
    Kind.NRT_RULE,
    Kind.HUNTING_QUERY,
    Kind.WORKBOOK,
)
"""Kinds in the order they are created: what a query may use (watchlists, functions) first."""


@dataclass(frozen=True)
class WorkspaceRef:
    """Where a Log Analytics workspace lives in ARM."""

    subscription_id: str
    resource_group: str
    workspace_name: str
    location: str = "westeurope"

    @property
    def resource_group_id(self) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"

    @property
    def resource_id(self) -> str:
        return f"{self.resource_group_id}/providers/Microsoft.OperationalInsights/workspaces/{self.workspace_name}"


@dataclass(frozen=True)
class Placement:
    """Workspace-dependent values a body needs (workbooks point at their workspace).

    For a REST call these are the workspace's real id and region; for an ARM template they are
    template expressions, so the same mapping function serves both.
    """

    source_id: str
    location: str

    @classmethod
    def of(cls, workspace: WorkspaceRef) -> Placement:
        return cls(workspace.resource_id, workspace.location)


@dataclass
class ApiObject:
    kind: Kind
    name: str
    content_id: str
    source: str
    """The content file this object comes from, as shown to the user."""
    body: dict[str, Any]
    depends_on: tuple[tuple[Kind, str], ...] = ()
    """(kind, name) of the objects this one needs to exist first."""
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    """Kind-specific data that is not part of the body (a watchlist's item bodies)."""

    @property
    def resource(self) -> ResourceType:
        return RESOURCE_TYPES[self.kind]

    @property
    def api_version(self) -> str:
        return self.resource.api_version

    def path(self, workspace: WorkspaceRef) -> str:
        """The ARM path of this object (no host, no api-version)."""
        base = workspace.resource_id if self.resource.workspace_child else workspace.resource_group_id
        return f"{base}/{self.resource.collection}/{self.name}"

    @property
    def key(self) -> tuple[Kind, str]:
        return (self.kind, self.name)
