"""doctor → plan → apply / prune over one or more targets: the functions the CLI and CI call.

Targets are independent (their own workspace, tenant, state), so they run in parallel; inside a
target, apply runs with bounded concurrency (deploy/apply.py). Every step reads through the
same SDK clients; nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from ..content.load import Project
from ..targets import Target
from .apply import ApplyReport, Result, apply_plan, prune_plan
from .doctor import DoctorReport, doctor
from .plan import TargetPlan, plan_target


@dataclass
class TargetRun:
    target: Target
    doctor: DoctorReport | None = None
    plan: TargetPlan | None = None
    report: ApplyReport | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None and (self.doctor is None or self.doctor.ok) and (self.report is None or self.report.ok)
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"target": self.target.name, "ok": self.ok}
        if self.error:
            out["error"] = self.error
        if self.doctor is not None:
            out["doctor"] = self.doctor.to_dict()
        if self.plan is not None:
            out["plan"] = self.plan.to_dict()
        if self.report is not None:
            out["apply"] = self.report.to_dict()
        return out


@dataclass
class Options:
    env: Mapping[str, str] | None = None
    client_options: Mapping[str, Any] | None = None
    """Passed to every SDK client (connection_verify, retries, polling_interval…)."""
    run_doctor: bool = True
    health: bool = True
    force: bool = False
    concurrency: int = 8
    on_result: Callable[[Result], None] | None = None


def run_targets(project: Project, targets: list[Target], mode: str, options: Options | None = None) -> list[TargetRun]:
    """`mode` is doctor, plan, apply or prune; one TargetRun per target, in the given order."""
    options = options or Options()
    if len(targets) == 1:
        return [_run(project, targets[0], mode, options)]
    with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
        return list(pool.map(lambda t: _run(project, t, mode, options), targets))


def _run(project: Project, target: Target, mode: str, options: Options) -> TargetRun:
    from azure.core.exceptions import AzureError

    from ..errors import SentinelDacError
    from .health import health_check, logs_client
    from .session import connect

    run = TargetRun(target)
    try:
        opts = dict(options.client_options or {})
        clients = connect(target, options.env, **opts)
        logs = None
        if options.health or mode == "doctor":
            verify = {
                k: v for k, v in opts.items() if k in ("connection_verify", "retry_total", "retry_backoff_factor")
            }
            logs = logs_client(target, options.env, **verify)
        if options.run_doctor or mode == "doctor":
            run.doctor = doctor(project, target, clients, logs if mode == "doctor" else None)
            if mode == "doctor" or (mode == "apply" and not run.doctor.ok):
                return run
        run.plan = plan_target(project, target, clients, health_check(logs) if options.health and logs else None)
        if mode == "apply":
            run.report = apply_plan(run.plan, clients, options.force, options.concurrency, options.on_result)
        elif mode == "prune":
            run.report = prune_plan(run.plan, clients, options.force, options.on_result)
    except SentinelDacError as exc:
        run.error = str(exc)
    except AzureError as exc:
        run.error = f"{type(exc).__name__}: {str(getattr(exc, 'message', None) or exc).splitlines()[0]}"
    return run
