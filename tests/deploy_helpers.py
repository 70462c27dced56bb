"""Helpers for the deploy II tests: a project with targets on the emulator, clients per target."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import DEPLOY_PROJECT, load

TARGETS = """\
targets:
  prod:
    tenant: 00000000-0000-0000-0000-0000000000aa
    subscription: 11111111-1111-4111-8111-111111111111
    resourceGroup: rg-sec
    workspace: law-prod
    workspaceId: 22222222-2222-4222-8222-222222222222
  partner:
    tenant: 00000000-0000-0000-0000-0000000000bb
    subscription: 44444444-4444-4444-8444-444444444444
    resourceGroup: rg-partner
    workspace: law-partner
    workspaceId: 55555555-5555-4555-8555-555555555555
    overrides:
      rules:
        4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c: {enabled: false, severity: High}
  dev:
    tenant: 00000000-0000-0000-0000-0000000000aa
    subscription: 11111111-1111-4111-8111-111111111111
    resourceGroup: rg-sec
    workspace: law-dev
    workspaceId: 22222222-2222-4222-8222-000000000002
"""


def project_copy(tmp_path: Path, targets: str = TARGETS) -> Path:
    root = tmp_path / "project"
    shutil.copytree(DEPLOY_PROJECT, root)
    (root / "workspaces.yaml").write_text(targets)
    return root


def target_clients(emu, target, **options):
    from sentinel_dac.deploy.session import connect

    opts = {"connection_verify": str(emu.ca_path), "polling_interval": 0, "retry_backoff_factor": 0.01}
    return connect(target, **{**opts, **options})


def plan_for(root: Path, emu, name: str, **options):
    from sentinel_dac.deploy.plan import plan_target
    from sentinel_dac.targets import load_targets

    target = load_targets(root)[name]
    clients = target_clients(emu, target, **options)
    return plan_target(load(root), target, clients), clients


def apply_for(root: Path, emu, name: str, force: bool = False, **options):
    from sentinel_dac.deploy.apply import apply_plan

    plan, clients = plan_for(root, emu, name, **options)
    return apply_plan(plan, clients, force=force), plan
