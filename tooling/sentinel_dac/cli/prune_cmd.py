"""`sentinel-dac prune --target NAME|--all`: delete what we deployed and the repository no longer has."""

from __future__ import annotations

import click

from ..deploy.workflow import Options
from .context import AppContext
from .deploy_common import echo_runs, run, target_options


@click.command()
@target_options
@click.option("--force", is_flag=True, help="Also delete objects changed in the workspace since our last apply.")
@click.option("-v", "--verbose", is_flag=True, help="List every object's result.")
@click.pass_obj
def prune(app: AppContext, target_names, all_targets, targets_file, fmt, force, verbose) -> None:
    """Delete objects listed in the workspace's sentinel-dac state that left the repository or the target.

    Never touches an object the state does not list (portal-created rules, other tools' content).
    """
    runs = run(
        app, "prune", target_names, all_targets, targets_file, Options(force=force, run_doctor=False, health=False)
    )
    echo_runs(runs, fmt, verbose)
    skipped = any(res.outcome == "skipped" for r in runs if r.report for res in r.report.results)
    raise SystemExit(0 if all(r.ok for r in runs) and not skipped else 1)
