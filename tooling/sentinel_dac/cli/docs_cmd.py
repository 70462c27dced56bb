"""`sentinel-dac docs [--check]`: the rule catalogue in docs/rules/ (lifecycle.catalogue)."""

from __future__ import annotations

import click

from ..lifecycle.catalogue import DOCS_DIR, sync_docs
from .context import AppContext


@click.command()
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the committed pages are stale (CI).")
@click.pass_obj
def docs(app: AppContext, check: bool) -> None:
    """Render one page per rule and hunting query, an index and the coverage matrix into docs/rules/."""
    result = sync_docs(app.project(), check=check)
    for f in result.findings:
        click.echo(f.render())
    for rel in result.written:
        click.echo(f"wrote {rel.as_posix()}")
    for rel in result.removed:
        click.echo(f"removed {rel.as_posix()}")
    if check:
        click.echo(f"docs: {'stale' if result.findings else 'up to date'} ({DOCS_DIR.as_posix()})")
    raise SystemExit(1 if result.findings else 0)
