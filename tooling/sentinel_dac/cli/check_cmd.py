"""`sentinel-dac check`: the main CI job -- validate, then test, one summary."""

from __future__ import annotations

import click

from ..backtest.standing import report_status
from ..testing import run_project
from ..testing.report import summary_line
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
    click.echo(
        f"validate: {'FAILED' if result.failed(strict) else 'ok'} -- {result.files_checked} files ({counts}), "
        f"{len(result.errors)} errors, {len(result.warnings)} warnings"
    )
    report = run_project(project)
    for p in report.problems:
        click.echo(f"{p.file}:{p.line}: {p.code} {p.message}" + ("" if p.is_error else " [warning]"))
    for r in report.results:
        if r.status != "passed":
            first = r.message.splitlines()[0] if r.message else ""
            click.echo(f"{'FAIL' if r.status == 'failed' else 'NOT RUN'} {r.rule} :: {r.case}: {first}")
    click.echo("test: " + summary_line(report))
    click.echo(report_status(app.config, [*project.files, *project.sample_files]))
    failed = result.failed(strict) or not report.ok or (strict and any(not p.is_error for p in report.problems))
    raise SystemExit(1 if failed else 0)
