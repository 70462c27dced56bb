"""Rule health after apply: failing and auto-disabled rules, reported by `plan` as drift.

Two sources, both read-only:
* the rule itself: Sentinel disables a rule after permanent failures, "Adds the words
  "AUTO DISABLED" to the beginning of the rule's name" and the reason to its description
  (learn.microsoft.com/azure/sentinel/troubleshoot-analytics-rules; docs/sentinel-semantics.md
  §1.7). `plan` compares every rule with what we applied, so such a rule is *drifted*;
* the `SentinelHealth` table (learn.microsoft.com/azure/sentinel/health-table-reference): runs of
  our rules whose `Status` is not `Success` in the last day. These rules may be unchanged, so
  the failure is attached to the plan as drift with the last failure's description.

The health table exists only when Sentinel's health feature is on; when it cannot be read the
plan says so in its notes instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from .live import LiveWorkspace
from .objects import Kind
from .plan import Action, TargetPlan

HEALTH_QUERY = """SentinelHealth
| where TimeGenerated > ago(1d)
| where SentinelResourceType == "Analytics Rule"
| where Status != "Success"
| project TimeGenerated, SentinelResourceId, Status, Description
| order by TimeGenerated desc
| take 5000"""


def logs_client(target, env=None, **options: Any):
    from azure.monitor.query import LogsQueryClient

    return LogsQueryClient(target.credential(env), endpoint=target.logs_endpoint(env), **options)


def health_check(client: Any) -> Callable[[TargetPlan, LiveWorkspace], None]:
    """A `plan_target(health=...)` hook reading SentinelHealth through `client` (a LogsQueryClient)."""

    def check(plan: TargetPlan, live: LiveWorkspace) -> None:
        rules = {
            c.name.lower(): c
            for c in plan.changes
            if c.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE) and c.current is not None
        }
        if not rules:
            return
        try:
            failures = read_failures(client, plan.target.workspace_id)
        except Exception as exc:  # the health feature off, no permission, the API down: a note, not a failure
            plan.health.append(f"rule health not read from SentinelHealth: {_first_line(exc)}")
            return
        for name, runs in failures.items():
            change = rules.get(name)
            if change is None:
                continue
            last = runs[0]
            note = (
                f"{len(runs)} failed run(s) in SentinelHealth in the last day "
                f"(last: {last['Status']}: {last['Description']})"
            )
            if change.action is Action.UNCHANGED:
                change.action, change.reason = Action.DRIFTED, note
            else:
                change.reason = f"{change.reason}; {note}" if change.reason else note

    return check


def read_failures(client: Any, workspace_id: str) -> dict[str, list[dict[str, Any]]]:
    """{rule name (lower case): failed runs, newest first}."""
    from azure.monitor.query import LogsQueryStatus

    result = client.query_workspace(workspace_id, HEALTH_QUERY, timespan=timedelta(days=1))
    if result.status != LogsQueryStatus.SUCCESS:
        raise RuntimeError(str(getattr(result, "partial_error", "partial result")))
    out: dict[str, list[dict[str, Any]]] = {}
    for table in result.tables:
        cols = list(table.columns)
        for row in table.rows:
            rec = dict(zip(cols, row, strict=False))
            rid = str(rec.get("SentinelResourceId") or "")
            name = rid.rstrip("/").rsplit("/", 1)[-1].lower()
            if name:
                out.setdefault(name, []).append(rec)
    return out


def _first_line(exc: Exception) -> str:
    text = str(getattr(exc, "message", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__
