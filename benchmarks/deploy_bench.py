"""Deploy: plan 500 rules x 5 targets on the emulator at 50 ms latency (goal <= 30 s); no-change apply only reads.

Set-up (not timed): a project of generated rules, one emulated workspace per target, and a first
apply without latency so the plan compares real deployed objects with the repository. Then, with
the latency on every ARM request: `plan --all` (timed; doctor optional with --doctor), and a
second apply, whose requests are counted: it must send no PUT, POST or DELETE.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from .generate import write_rules

GOAL_S = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--targets", type=int, default=5)
    parser.add_argument("--latency", type=int, default=50, help="milliseconds added to every ARM/query request")
    parser.add_argument("--doctor", action="store_true", help="include the workspace check (KQL binding) in the plan")


def _workspaces(n: int):
    from sentinel_dac.catalog.tables import builtin_catalog
    from sentinel_dac.deploy.objects import WorkspaceRef
    from sentinel_dac.emulator import EmulatedWorkspace, TableInfo

    table = builtin_catalog().get("AZKVAuditLogs")
    out = []
    for i in range(n):
        ws = EmulatedWorkspace(
            ref=WorkspaceRef("11111111-1111-4111-8111-111111111111", "rg-bench", f"law-bench-{i}"),
            customer_id=f"22222222-2222-4222-8222-{i:012d}",
        )
        ws.tables["AZKVAuditLogs"] = TableInfo("AZKVAuditLogs", table.column_types())
        out.append(ws)
    return out


def _targets_yaml(workspaces) -> str:
    lines = ["targets:"]
    for i, ws in enumerate(workspaces):
        lines += [
            f"  t{i}:",
            f"    tenant: {ws.tenant_id}",
            f"    subscription: {ws.ref.subscription_id}",
            f"    resourceGroup: {ws.ref.resource_group}",
            f"    workspace: {ws.ref.workspace_name}",
            f"    workspaceId: {ws.customer_id}",
        ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    from sentinel_dac.config import load_config
    from sentinel_dac.content.load import load_project
    from sentinel_dac.deploy.workflow import Options, run_targets
    from sentinel_dac.emulator import Emulator, FaultConfig, Settings
    from sentinel_dac.targets import load_targets

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        (root / "detections").mkdir(parents=True)
        (root / "sentinel-dac.yaml").write_text("require_cases: false\n")
        write_rules(root / "detections", args.rules)
        workspaces = _workspaces(args.targets)
        (root / "workspaces.yaml").write_text(_targets_yaml(workspaces))
        settings = Settings(compile_queries=False, lro_polls=0)  # set-up speed; the plan never writes
        with Emulator(workspaces, settings=settings, cert_dir=Path(tmp) / "ca") as emu:
            saved = dict(os.environ)
            os.environ.update(emu.env())
            try:
                project = load_project(load_config(root))
                targets = list(load_targets(root).values())
                opts = {"polling_interval": 0, "connection_verify": str(emu.ca_path)}
                setup = Options(client_options=opts, run_doctor=False, health=False, concurrency=16)
                runs = run_targets(project, targets, "apply", setup)
                if not all(r.ok for r in runs):
                    print(f"set-up apply failed: {next(r.to_dict() for r in runs if not r.ok)}")
                    return 1
                emu.faults.reconfigure(FaultConfig(latency_ms=(args.latency, args.latency)))
                emu.requests.clear()
                start = time.perf_counter()
                runs = run_targets(project, targets, "plan", Options(client_options=opts, run_doctor=args.doctor))
                plan_s = time.perf_counter() - start
                plan_requests = len([r for r in emu.requests if "/oauth2/" not in r.path])
                changed = [r.target.name for r in runs if not r.ok or r.plan.has_changes]
                emu.requests.clear()
                start = time.perf_counter()
                runs = run_targets(project, targets, "apply", Options(client_options=opts, run_doctor=False))
                apply_s = time.perf_counter() - start
                # ARM requests only: the Log Analytics query API (rule health) is read with POST
                methods = Counter(r.method for r in emu.requests if r.path.startswith("/subscriptions/"))
            finally:
                os.environ.clear()
                os.environ.update(saved)
    objects = args.rules * args.targets
    doctor = "with doctor" if args.doctor else "without doctor"
    print(
        f"deploy plan ({doctor}): {args.rules} rules x {args.targets} targets = {objects} objects, "
        f"{args.latency} ms latency per request"
    )
    print(
        f"  plan {plan_s:.2f} s, {plan_requests} requests (goal <= {GOAL_S:.0f} s: "
        f"{'met' if plan_s <= GOAL_S else 'NOT met'}, ratio {plan_s / GOAL_S:.2f} of goal)"
    )
    if changed:
        print(f"  plan reported changes after apply on: {', '.join(changed)} (expected none)")
        return 1
    writes = sum(n for m, n in methods.items() if m != "GET")
    print(
        f"  no-change apply {apply_s:.2f} s, requests {dict(methods)}: "
        f"{'only reads' if not writes else f'{writes} WRITES (expected none)'}"
    )
    return 0 if not writes else 1
