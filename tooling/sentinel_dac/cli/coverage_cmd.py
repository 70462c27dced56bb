"""`sentinel-dac coverage --format md|navigator`: ATT&CK/ATLAS coverage (lifecycle.coverage)."""

from __future__ import annotations

import json

import click

from ..lifecycle.coverage import coverage_of, markdown_matrix, navigator_layer
from .context import AppContext


@click.command()
@click.option("--format", "fmt", type=click.Choice(["md", "navigator"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file.")
@click.pass_obj
def coverage(app: AppContext, fmt: str, out: str | None) -> None:
    """ATT&CK coverage as a markdown matrix (with ATLAS) or an ATT&CK Navigator layer (JSON)."""
    cov = coverage_of(app.project())
    text = markdown_matrix(cov) if fmt == "md" else json.dumps(navigator_layer(cov), indent=2) + "\n"
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
