"""`sentinel-dac samples`: recorded samples — pseudonymise a file (`scrub`), record from a workspace (`record`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..catalog.tables import builtin_catalog, load_catalog
from ..content.load import display_path
from ..privacy import load_key
from ..privacy.scrub import scrub_sample
from .context import AppContext


def project_catalog(app: AppContext):
    """The project's catalogue (built-in + tables/), or the built-in one outside a project."""
    if app.root is None:
        return builtin_catalog()
    config = app.config
    catalog, _ = load_catalog(config.paths.get("tables"), lambda p: display_path(p, config.root))
    return catalog


@click.group()
def samples() -> None:
    """Recorded log samples: pseudonymise and record them."""


@samples.command("scrub")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: <name>.scrubbed.<Table>.jsonl).",
)
@click.option("--table", help="The table the rows belong to (default: from the file name).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the masking report as JSON.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def scrub(app: AppContext, file: Path, out: Path | None, table: str | None, report_path: Path | None, fmt: str) -> None:
    """Pseudonymise FILE (a JSONL sample) with the key in $SENTINEL_DAC_PSEUDONYM_KEY; report what was masked."""
    key = load_key()
    target, report = scrub_sample(file, out, project_catalog(app), key, table)
    if report_path is not None:
        report_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    if fmt == "json":
        click.echo(json.dumps({"output": str(target), **report.to_dict()}, indent=2))
    else:
        click.echo(f"wrote {target}")
        click.echo(report.render())
