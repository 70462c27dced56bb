"""`sentinel-dac export --format arm --out DIR`: ARM templates of the whole project."""

from __future__ import annotations

from pathlib import Path

import click

from ..deploy.arm import LAYOUTS, export_arm
from ..validate import validate_project
from .context import AppContext


@click.command()
@click.option("--format", "fmt", type=click.Choice(["arm"]), default="arm", show_default=True, help="Output format.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write to."
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="combined",
    show_default=True,
    help="combined: one azuredeploy.json with dependsOn (ordered deploy); per-item: one template per object "
    "(Sentinel Repositories).",
)
@click.pass_obj
def export(app: AppContext, fmt: str, out_dir: Path, layout: str) -> None:
    """Write deployable ARM templates (az deployment group create -g RG -f azuredeploy.json -p workspace=NAME).

    The project is validated first; with any error nothing is written.
    """
    project = app.project()
    result = validate_project(project)
    if result.errors:
        for f in result.errors:
            click.echo(f"{f.file}:{f.line}: {f.code} {f.message}", err=True)
        click.echo(f"export: {len(result.errors)} validation error(s); nothing written", err=True)
        raise SystemExit(1)
    written = export_arm(project, out_dir, layout)
    for path in written:
        click.echo(str(path))
    click.echo(f"export: {len(written)} template file(s) in {out_dir}", err=True)
