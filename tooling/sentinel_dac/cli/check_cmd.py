"""`sentinel-dac check`: the main CI job -- validate, test, lifecycle checks, one summary."""

from __future__ import annotations

import click

from ..backtest.standing import report_status
from ..lifecycle.hygiene import check_repository
from ..testing import run_project
from ..testing.report import summary_line
from ..validate import validate_project
from .context import AppContext
from .test_cmd import jobs_option


@click.command()
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--no-kql", is_flag=True, help="Skip semantic KQL checks (Kusto.Language).")
@jobs_option
@click.pass_obj
def check(app: AppContext, strict: bool, no_kql: bool, jobs: int) -> None:
    """Validate and test everything, check the version lock, format and rule docs; one-screen summary."""
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
    report = run_project(project, jobs=jobs)
    for p in report.problems:
        click.echo(f"{p.file}:{p.line}: {p.code} {p.message}" + ("" if p.is_error else " [warning]"))
    for r in report.results:
        if r.status != "passed":
            first = r.message.splitlines()[0] if r.message else ""
            click.echo(f"{'FAIL' if r.status == 'failed' else 'NOT RUN'} {r.rule} :: {r.case}: {first}")
    click.echo("test: " + summary_line(report))
    hygiene = check_repository(project)
    for found in hygiene.findings.values():
        for f in found:
            click.echo(f.render())
    click.echo(hygiene.summary())
    click.echo(report_status(app.config, [*project.files, *project.sample_files]))
    failed = result.failed(strict) or not report.ok or (strict and any(not p.is_error for p in report.problems))
    failed = failed or not hygiene.ok
    raise SystemExit(1 if failed else 0)
