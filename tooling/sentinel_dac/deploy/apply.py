"""Make a plan true: write what changed, in dependency order, with bounded concurrency.

* Only `create`, `update` and `replace` write; `unchanged` writes nothing (at most our state entry,
  when an interrupted run left it behind), so a second apply only reads.
* Every update is sent with the etag the plan saw: an edit made in the portal between plan and
  apply is answered 409/412 by the service and reported as a conflict, not overwritten.
  `force` sends `*` and also overwrites `drifted` objects and foreign watchlists.
* Throttling and server errors (408/429/5xx, dropped connections) are retried by the SDK
  pipeline (azure-core RetryPolicy, which honours Retry-After); a PUT is idempotent (same name,
  same body), and a conflict after a retried PUT is checked against the object: if the workspace
  already holds exactly our body, our own first attempt landed and the object is done.
* Each object is written first and recorded in the state watchlist second, so a run stopped at
  any point converges when run again (deploy/ownership.py).
* `prune` deletes objects we own that left the repository: dependents first, state entry last.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import HttpResponseError

from .clients import Clients, get, put
from .live import delete
from .normalise import normalise
from .objects import Kind
from .ownership import desired_hash, state_key
from .plan import Action, Change, TargetPlan

WAVES: tuple[tuple[Kind, ...], ...] = (
    (Kind.WATCHLIST,),
    (Kind.PARSER,),
    (Kind.SCHEDULED_RULE, Kind.NRT_RULE, Kind.HUNTING_QUERY, Kind.WORKBOOK),
)
"""Objects of one wave only depend on earlier waves, except parsers calling parsers (run in order)."""


@dataclass
class Result:
    change: Change
    outcome: str
    """created, updated, replaced, deleted, recorded, skipped, conflict, failed"""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome not in ("conflict", "failed")

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.change.kind.value, "name": self.change.name, "action": self.change.action.value}
        out["outcome"] = self.outcome
        if self.change.title:
            out["title"] = self.change.title
        if self.message:
            out["message"] = self.message
        return out


@dataclass
class ApplyReport:
    target: str
    results: list[Result] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.outcome] = out.get(r.outcome, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }


def apply_plan(
    plan: TargetPlan,
    clients: Clients,
    force: bool = False,
    concurrency: int = 8,
    on_result: Callable[[Result], None] | None = None,
) -> ApplyReport:
    report = ApplyReport(plan.target.name)
    state = plan.state
    assert state is not None
    ws = plan.target.workspace
    todo = [c for c in plan.changes if c.action is not Action.DELETE and _needs_work(c, force)]
    skipped = [c for c in plan.changes if c.action in (Action.DRIFTED, Action.CONFLICT) and not force]
    for c in skipped:
        if c.desired is not None:
            report.results.append(Result(c, "skipped", f"{c.reason}; not overwritten (use --force)"))
    if todo:
        state.ensure()

    def one(change: Change) -> Result:
        result = _write(change, clients, ws, state, force)
        if on_result is not None:
            on_result(result)
        return result

    for wave in WAVES:
        batch = [c for c in todo if c.kind in wave]
        if wave == (Kind.PARSER,):
            report.results.extend(one(c) for c in batch)
            continue
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            report.results.extend(pool.map(one, batch))
    return report


def _needs_work(c: Change, force: bool) -> bool:
    if c.action in (Action.CREATE, Action.UPDATE, Action.REPLACE):
        return True
    if c.action is Action.UNCHANGED:
        return c.state_only
    return force and c.action in (Action.DRIFTED, Action.CONFLICT) and c.desired is not None


def _write(change: Change, clients: Clients, ws, state, force: bool) -> Result:
    obj = change.desired
    assert obj is not None
    want = desired_hash(obj)
    try:
        if change.action is Action.UNCHANGED:
            state.record(obj, want, change.etag)
            return Result(change, "recorded", "already as desired; state entry written")
        if change.action is Action.REPLACE or (force and change.current is not None and _kind_differs(change)):
            old_kind = _current_kind(change)
            delete(clients, ws, old_kind, obj.name)
            got = put(clients, ws, obj)
            state.record(obj, want, str(got.get("etag") or ""))
            if old_kind is not obj.kind and state_key(old_kind, obj.name) in state.owned:
                state.forget(old_kind, obj.name)  # the same name, now recorded under its new kind
            return Result(change, "replaced")
        etag = "*" if force and change.current is not None else (change.etag or None)
        if change.current is None:
            etag = None
        try:
            got = put(clients, ws, obj, etag=etag)
        except HttpResponseError as exc:
            if exc.status_code not in (409, 412):
                raise
            got = get(clients, ws, obj)
            if got is None or normalise(obj.kind, got) != normalise(obj.kind, obj.body):
                return Result(
                    change,
                    "conflict",
                    "changed in the workspace since the plan; not overwritten (plan again, or --force)",
                )
        state.record(obj, want, str(got.get("etag") or ""))
        return Result(change, "created" if change.current is None else "updated")
    except HttpResponseError as exc:
        return Result(change, "failed", _message(exc))


def prune_plan(
    plan: TargetPlan, clients: Clients, force: bool = False, on_result: Callable[[Result], None] | None = None
) -> ApplyReport:
    """Delete the objects we own that left the repository (dependents first), then their state entries."""
    report = ApplyReport(plan.target.name)
    state = plan.state
    assert state is not None
    ws = plan.target.workspace
    gone = [c for c in plan.changes if c.owned is not None and c.desired is None]
    gone.sort(key=lambda c: -_FLAT.index(c.kind))
    for c in gone:
        if c.action is Action.DRIFTED and not force:
            result = Result(c, "skipped", f"{c.reason}; not deleted (use --force)")
        else:
            try:
                if c.current is not None:
                    delete(clients, ws, c.kind, c.name)
                state.forget(c.kind, c.name)
                result = Result(c, "deleted")
            except HttpResponseError as exc:
                result = Result(c, "failed", _message(exc))
        if on_result is not None:
            on_result(result)
        report.results.append(result)
    return report


_FLAT = [k for w in WAVES for k in w]
"""Kinds in creation order; prune deletes in the reverse (rules before the parsers they call)."""


def _kind_differs(change: Change) -> bool:
    return _current_kind(change) is not change.kind


def _current_kind(change: Change) -> Kind:
    from .live import COLLECTIONS, kind_of

    if change.current is None:
        return change.kind
    return kind_of(COLLECTIONS[change.kind], change.current)


def _message(exc: HttpResponseError) -> str:
    msg = getattr(getattr(exc, "error", None), "message", None) or str(exc.message or exc)
    return f"{exc.status_code}: {msg.splitlines()[0] if msg else ''}"
