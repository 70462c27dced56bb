"""`sentinel-dac plan --target NAME|--all`: what apply and prune would change, and what drifted."""

from __future__ import annotations

import click

from ..deploy.workflow import Options
from .context import AppContext
from .deploy_common import echo_runs, run, target_options


@click.command()
@target_options
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0 when nothing differs, 2 when something does, 1 on errors."
)
@click.option("--no-doctor", is_flag=True, help="Skip the workspace check (tables, columns, plans).")
@click.option("-v", "--verbose", is_flag=True, help="List unchanged objects too.")
@click.pass_obj
def plan(app: AppContext, target_names, all_targets, targets_file, fmt, detailed_exitcode, no_doctor, verbose) -> None:
    """Compare the repository (rendered per target) with each workspace; reads only.

    Per object: create, update (changed fields), replace (kind change), unchanged, drifted
    (changed in the workspace since our last apply, failing or auto-disabled), conflict, delete.
    """
    runs = run(app, "plan", target_names, all_targets, targets_file, Options(run_doctor=not no_doctor))
    echo_runs(runs, fmt, verbose)
    if not all(r.ok for r in runs):
        raise SystemExit(1)
    changed = any(r.plan is not None and r.plan.has_changes for r in runs)
    raise SystemExit(2 if detailed_exitcode and changed else 0)
