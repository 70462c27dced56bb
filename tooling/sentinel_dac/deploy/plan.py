"""Desired state (the repository, rendered for a target) against the workspace: what would change.

Per object, after normalising both sides (deploy/normalise.py) and comparing with the state
watchlist (deploy/ownership.py):

* **create**: not in the workspace;
* **update**: differs from the repository, and the workspace still holds what we last applied;
* **replace**: the rule's kind changed (Scheduled ↔ NRT). Whether the service accepts a kind
  change by PUT is undocumented (research notes §7.4); we never rely on it: delete, then create;
* **unchanged**: equal after normalising;
* **drifted**: the workspace object changed since our last apply (a portal edit, or Sentinel
  auto-disabling a failing rule). Reported, and not overwritten unless `apply --force`;
* **conflict**: a watchlist with our alias exists that we never deployed (watchlist names are
  their alias, not one of our UUID5 names): not touched unless `--force`;
* **delete**: an object we own (in the state watchlist) whose content left the repository or
  this target's selection; `prune` deletes it.

Objects neither in the repository nor in our state are never listed, changed or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..content.load import Project
from ..targets import Target
from .clients import Clients
from .live import LiveWorkspace, kind_of, read_items, read_workspace
from .mapping import build_objects
from .normalise import normalise, normalise_items
from .objects import DEPLOY_ORDER, ApiObject, Kind, Placement
from .ownership import STATE_ALIAS, Owned, State, body_hash, desired_hash, state_key
from .render import render_for_target

AUTO_DISABLED = "AUTO DISABLED"
"""Sentinel prefixes the name of a rule it disabled after permanent failures (docs/sentinel-semantics.md §1.7)."""


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    UNCHANGED = "unchanged"
    DRIFTED = "drifted"
    CONFLICT = "conflict"
    DELETE = "delete"


@dataclass
class Change:
    action: Action
    kind: Kind
    name: str
    title: str = ""
    source: str = ""
    fields: list[str] = field(default_factory=list)
    """Dotted paths of the members that differ (update, drifted, replace)."""
    reason: str = ""
    etag: str = ""
    """The workspace object's etag when planned: an apply writes only over this version."""
    desired: ApiObject | None = None
    current: dict[str, Any] | None = None
    owned: Owned | None = None
    state_only: bool = False
    """The object is as desired but our state does not say so yet (an interrupted apply)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action.value, "kind": self.kind.value, "name": self.name}
        for key in ("title", "source", "reason"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.fields:
            out["fields"] = self.fields
        return out


@dataclass
class TargetPlan:
    target: Target
    changes: list[Change] = field(default_factory=list)
    state: State | None = None
    health: list[str] = field(default_factory=list)
    """Rule health notes that are not changes (health could not be read, …)."""

    @property
    def has_changes(self) -> bool:
        """Anything differs between repository and workspace (drift and conflicts included)."""
        return any(c.action is not Action.UNCHANGED or c.state_only for c in self.changes)

    def counts(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for c in self.changes:
            out[c.action.value] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target.name,
            "workspace": self.target.workspace_resource_id,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes if c.action is not Action.UNCHANGED],
            "unchanged": sum(c.action is Action.UNCHANGED for c in self.changes),
            "health": self.health,
        }


def desired_objects(project: Project, target: Target) -> list[ApiObject]:
    """Every object this target should hold, bodies final (parameters rendered, overrides applied)."""
    from ..errors import DeployError

    rendered, settings = render_for_target(project, target)
    if any(w.alias.lower() == STATE_ALIAS.lower() for w in rendered.watchlists):
        raise DeployError(f"watchlist alias '{STATE_ALIAS}' is reserved for sentinel-dac's state watchlist")
    objects = build_objects(rendered, Placement.of(target.workspace))
    for obj in objects:
        s = settings.get(obj.content_id.lower()) if obj.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE) else None
        if s is not None and not s.enabled:
            obj.body["properties"]["enabled"] = False
    return objects


def plan_target(project: Project, target: Target, clients: Clients, health: Any = None) -> TargetPlan:
    """Compare one target's desired objects with its workspace. Reads only."""
    desired = desired_objects(project, target)
    ws = target.workspace
    state = State(clients, ws).read()
    kinds = {o.kind for o in desired} | {o.kind for o in state.owned.values()}
    live = read_workspace(clients, ws, kinds)
    plan = TargetPlan(target, state=state)
    seen: set[str] = set()
    for obj in desired:
        seen.add(state_key(obj.kind, obj.name))
        plan.changes.append(_compare(obj, live, state, clients, target))
    for key, owned in state.owned.items():
        if key in seen or _same_slot(owned, desired):
            continue
        current = live.get(owned.kind, owned.name)
        if current is None:
            plan.changes.append(
                Change(
                    Action.DELETE,
                    owned.kind,
                    owned.name,
                    source=owned.source,
                    owned=owned,
                    reason="already gone from the workspace; only our state entry is removed",
                )
            )
            continue
        change = Change(
            Action.DELETE,
            owned.kind,
            owned.name,
            title=_title(current),
            source=owned.source,
            etag=str(current.get("etag") or ""),
            current=current,
            owned=owned,
            reason="no longer in the repository or this target's selection",
        )
        if _current_hash(owned.kind, current, live, clients, target) != owned.hash:
            change.action = Action.DRIFTED
            change.reason = (
                "left the repository, but was changed in the workspace since our last apply (prune --force deletes it)"
            )
        plan.changes.append(change)
    if health is not None:
        health(plan, live)
    plan.changes.sort(key=_order)
    return plan


def _same_slot(owned: Owned, desired: list[ApiObject]) -> bool:
    """A rule whose kind changed keeps its name: the old state entry belongs to the replace."""
    return owned.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE) and any(
        o.name == owned.name and o.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE) for o in desired
    )


def _compare(obj: ApiObject, live: LiveWorkspace, state: State, clients: Clients, target: Target) -> Change:
    current = live.get(obj.kind, obj.name)
    owned = state.owned.get(state_key(obj.kind, obj.name))
    if owned is None and obj.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
        other = Kind.NRT_RULE if obj.kind is Kind.SCHEDULED_RULE else Kind.SCHEDULED_RULE
        owned = state.owned.get(state_key(other, obj.name))
    change = Change(Action.CREATE, obj.kind, obj.name, obj.title, obj.source, desired=obj, current=current, owned=owned)
    if current is None:
        if owned is not None:
            change.reason = "deleted from the workspace since our last apply"
        return change
    change.etag = str(current.get("etag") or "")
    current_kind = kind_of(_collection(obj.kind), current)
    want = desired_hash(obj)
    have = _current_hash(current_kind, current, live, clients, target)
    if current_kind is not obj.kind:
        change.action = Action.REPLACE
        change.reason = f"kind changes from {current_kind.value} to {obj.kind.value}: delete, then create"
        if owned is not None and have != owned.hash:
            change.action, change.reason = (
                Action.DRIFTED,
                "changed in the workspace since our last apply; " + change.reason,
            )
        return change
    if have != want:  # only then is it worth listing what differs
        change.fields = diff_fields(normalise(obj.kind, current), normalise(obj.kind, obj.body))
        if obj.kind is Kind.WATCHLIST:
            items = read_items(clients, target.workspace, live, obj.name)
            if normalise_items(items) != normalise_items(list(obj.extra.get("items", {}).values())):
                change.fields.append("items")
    if have == want:
        change.action = Action.UNCHANGED
        change.state_only = owned is None or owned.hash != want
        if _auto_disabled(current):
            change.action, change.reason = Action.DRIFTED, "auto-disabled by Sentinel"
        return change
    if owned is None:
        if obj.kind is Kind.WATCHLIST:
            change.action = Action.CONFLICT
            change.reason = (
                f"a watchlist with alias '{obj.name}' exists that sentinel-dac did not deploy "
                "(apply --force takes it over)"
            )
        else:
            change.action = Action.UPDATE  # our UUID5 name: written by an apply that stopped before recording it
            change.reason = "ours by name, not yet in our state"
        return change
    if have != owned.hash:
        change.action = Action.DRIFTED
        change.reason = (
            "auto-disabled by Sentinel" if _auto_disabled(current) else "changed in the workspace since our last apply"
        )
        return change
    change.action = Action.UPDATE
    return change


def _current_hash(kind: Kind, current: dict[str, Any], live: LiveWorkspace, clients: Clients, target: Target) -> str:
    items = read_items(clients, target.workspace, live, current["name"]) if kind is Kind.WATCHLIST else None
    return body_hash(kind, current, items)


def _collection(kind: Kind) -> str:
    from .live import COLLECTIONS

    return COLLECTIONS[kind]


def _auto_disabled(current: dict[str, Any]) -> bool:
    name = str((current.get("properties") or {}).get("displayName") or "")
    return name.upper().startswith(AUTO_DISABLED)


def _title(current: dict[str, Any]) -> str:
    return str((current.get("properties") or {}).get("displayName") or current.get("name") or "")


def diff_fields(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted paths where two normalised bodies differ (lists compared whole)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            path = f"{prefix}.{key}" if prefix else str(key)
            if key not in a or key not in b:
                out.append(path)
            elif a[key] != b[key]:
                out.extend(diff_fields(a[key], b[key], path))
        return out
    return [prefix] if a != b else []


_RANK = {k: i for i, k in enumerate(DEPLOY_ORDER)}


def _order(c: Change) -> tuple[int, int]:
    # deletes after everything else (dependents first is handled by prune's reverse order)
    return (1 if c.action is Action.DELETE else 0, _RANK[c.kind])
