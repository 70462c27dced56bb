"""`sentinel-dac validate`: check content files and report every problem."""

from __future__ import annotations

from pathlib import Path

import click

from ..validate import validate_project
from ..validate.report import RENDERERS
from .context import AppContext


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True, help="Output format."
)
@click.option("--strict", is_flag=True, help="Warnings fail the run too.")
@click.option("--no-kql", is_flag=True, help="Skip semantic KQL checks (Kusto.Language); schema checks still run.")
@click.pass_obj
def validate(app: AppContext, paths: tuple[Path, ...], fmt: str, strict: bool, no_kql: bool) -> None:
    """Validate content (default: the whole project).

    Exit status: 0 clean, 1 errors found (or the KQL parser cannot load), 2 usage error.
    """
    project = app.project(extra_paths=paths)
    result = validate_project(project, selection=paths or None, kql=not no_kql)
    click.echo(RENDERERS[fmt](result, strict))
    raise SystemExit(1 if result.failed(strict) else 0)
