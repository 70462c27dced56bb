"""`sentinel-dac emulate`: a local Azure (ARM, token and Log Analytics query endpoints) on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from ..errors import UsageError
from .context import AppContext


@click.command()
@click.option(
    "--workspaces",
    "workspaces_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Workspace fixture (tables, plans, samples). Default: one workspace with every catalogued table.",
)
@click.option("--port", type=int, default=0, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option(
    "--error-rate", type=float, default=0.0, show_default=True, help="Share of requests answered with a fault."
)
@click.option(
    "--fault-status",
    "fault_statuses",
    type=click.Choice(["429", "500", "503"]),
    multiple=True,
    help="Fault statuses to inject (repeatable; default all three).",
)
@click.option("--retry-after", type=int, default=1, show_default=True, help="Retry-After seconds on 429/503.")
@click.option("--latency", default="0", show_default=True, help="Added latency per request: MS or MIN-MAX.")
@click.option(
    "--drop-rate", type=float, default=0.0, show_default=True, help="Share of connections dropped unanswered."
)
@click.option("--seed", type=int, default=None, help="Seed for repeatable faults.")
@click.option("--page-size", type=int, default=50, show_default=True, help="Objects per list page.")
@click.option(
    "--etag",
    "etag_modes",
    multiple=True,
    metavar="TYPE=MODE",
    help="Etag policy per resource type (alertRules, savedSearches, watchlists, workbooks): "
    "conflict (409), precondition (412), required, ignore.",
)
@click.option("--allow-kind-change", is_flag=True, help="Let a PUT change an alert rule's kind (default: 400).")
@click.option("--cert-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to write the CA bundle.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def emulate(app: AppContext, workspaces_file, port, error_rate, fault_statuses, retry_after, latency, drop_rate, seed,
            page_size, etag_modes, allow_kind_change, cert_dir, fmt) -> None:  # fmt: skip
    """Serve a local Azure for deploy, hunting and notebooks; prints the settings that point clients at it."""
    from ..emulator import Emulator, FaultConfig, Settings, default_workspace, load_workspaces
    from ..emulator.faults import FAULT_STATUSES, parse_latency
    from ..emulator.state import DEFAULT_ETAG_MODES

    catalog = app.project().catalog if app.root else None
    workspaces = load_workspaces(workspaces_file, catalog) if workspaces_file else [default_workspace(catalog)]
    modes = dict(DEFAULT_ETAG_MODES)
    for item in etag_modes:
        key, _, mode = item.partition("=")
        if key not in modes:
            raise UsageError(f"--etag {item}: the resource type must be one of {', '.join(modes)}")
        modes[key] = mode
    try:
        faults = FaultConfig(
            error_rate=error_rate,
            statuses=tuple(int(s) for s in fault_statuses) or FAULT_STATUSES,
            retry_after=retry_after,
            latency_ms=parse_latency(latency),
            drop_rate=drop_rate,
            seed=seed,
        )
        settings = Settings(
            page_size=page_size, etag_modes=modes, kind_change="allow" if allow_kind_change else "reject"
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    emu = Emulator(workspaces, settings=settings, faults=faults, cert_dir=cert_dir).start(port)
    info = {
        "url": emu.base_url,
        "ca_bundle": str(emu.ca_path),
        "env": emu.env(),
        "workspaces": [
            {
                "subscription": w.ref.subscription_id,
                "resourceGroup": w.ref.resource_group,
                "name": w.ref.workspace_name,
                "workspaceId": w.customer_id,
                "tables": len(w.tables),
            }
            for w in workspaces
        ],
    }
    if fmt == "json":
        click.echo(json.dumps(info))
    else:
        click.echo(f"sentinel-dac emulator on {emu.base_url} (CA bundle: {emu.ca_path})")
        for w in info["workspaces"]:
            click.echo(
                f"  workspace {w['name']}: subscription {w['subscription']}, resource group {w['resourceGroup']}, "
                f"workspace id {w['workspaceId']}, {w['tables']} tables"
            )
        click.echo("Point the CLI and the Azure SDKs at it (azure-identity: disable_instance_discovery=True):")
        for k, v in emu.env().items():
            click.echo(f"  export {k}={v}")
        click.echo("Ctrl-C stops it.")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):
        emu.serve_forever()
