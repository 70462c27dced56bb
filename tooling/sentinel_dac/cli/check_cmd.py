"""`sentinel-dac check`: the main CI job -- every step, one summary."""

from __future__ import annotations

import click

from ..validate import validate_project
from .context import AppContext


@click.command()
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--no-kql", is_flag=True, help="Skip semantic KQL checks (Kusto.Language).")
@click.pass_obj
def check(app: AppContext, strict: bool, no_kql: bool) -> None:
    """Validate and test everything in the project; print a one-screen summary."""
    project = app.project()
    result = validate_project(project, kql=not no_kql)
    for f in result.findings:
        click.echo(f.render())
    counts = (
        f"{len(project.rules)} rules, {len(project.hunting)} hunting queries, "
        f"{len(project.parsers)} parsers, {len(project.watchlists)} watchlists"
    )
    status = "FAILED" if result.failed(strict) else "ok"
    click.echo(
        f"validate: {status} -- {result.files_checked} files ({counts}), "
        f"{len(result.errors)} errors, {len(result.warnings)} warnings"
    )
    raise SystemExit(1 if result.failed(strict) else 0)
