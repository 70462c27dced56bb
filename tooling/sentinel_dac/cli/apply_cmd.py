"""`sentinel-dac apply --target NAME|--all`: make the plan true."""

from __future__ import annotations

import click

from ..deploy.workflow import Options
from .context import AppContext
from .deploy_common import echo_runs, run, target_options


@click.command()
@target_options
@click.option("--force", is_flag=True, help="Overwrite drifted objects and edits made since the plan.")
@click.option(
    "--concurrency", type=click.IntRange(1, 32), default=8, show_default=True, help="Writes in flight per target."
)
@click.option("-v", "--verbose", is_flag=True, help="List every object's result.")
@click.pass_obj
def apply(app: AppContext, target_names, all_targets, targets_file, fmt, force, concurrency, verbose) -> None:
    """Create, update and replace objects so each workspace matches the repository (no deletes: see prune).

    Runs doctor first and writes nothing while it reports errors. Exit status: 0 the workspace
    matches, 1 something was not applied (errors, conflicts, drift kept without --force), 2 usage.
    """
    runs = run(app, "apply", target_names, all_targets, targets_file, Options(force=force, concurrency=concurrency))
    echo_runs(runs, fmt, verbose)
    skipped = any(res.outcome == "skipped" for r in runs if r.report for res in r.report.results)
    raise SystemExit(0 if all(r.ok for r in runs) and not skipped else 1)
