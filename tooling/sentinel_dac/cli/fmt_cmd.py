"""`sentinel-dac fmt [PATH...] [--check] [--kql]`: canonical YAML, KQL on request (lifecycle.fmt)."""

from __future__ import annotations

from pathlib import Path

import click

from ..lifecycle.fmt import check_findings, format_project, write
from .context import AppContext


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when a file is not canonical.")
@click.option("--kql", is_flag=True, help="Also format queries with Kusto.Language's formatter.")
@click.option(
    "--include-upstream",
    is_flag=True,
    help="Also format rules imported from upstream (their .meta.yaml names an upstream).",
)
@click.pass_obj
def fmt(app: AppContext, paths: tuple[Path, ...], check: bool, kql: bool, include_upstream: bool) -> None:
    """Rewrite content YAML in canonical layout, keeping comments (--check: report only)."""
    project = app.project(paths)
    results = format_project(project, paths or None, kql=kql, include_upstream=include_upstream)
    findings = check_findings(results)
    problems = [f for f in findings if "canonical" not in f.message]
    if check:
        for f in findings:
            click.echo(f.render())
        click.echo(f"fmt: {len(results)} files, {sum(r.changed for r in results)} not canonical")
        raise SystemExit(1 if findings else 0)
    for r in write(results):
        click.echo(f"formatted {r.display}")
    for r in results:
        for note in r.notes:
            click.echo(f"{r.display}: {note}")
    for f in problems:
        click.echo(f.render(), err=True)
    raise SystemExit(1 if problems else 0)
