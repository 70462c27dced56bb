"""`sentinel-dac new rule|hunting|test`: scaffold content (lifecycle.scaffold)."""

from __future__ import annotations

from pathlib import Path

import click

from ..lifecycle.scaffold import STUB_NOTE, Scaffold, new_hunting, new_rule, new_tests
from .context import AppContext

_FAMILY = click.option("--family", required=True, help="Content folder under detections/ or hunting/ (e.g. openai).")
_TABLE = click.option("--table", default="AzureActivity", show_default=True, help="The table the query reads.")


@click.group()
def new() -> None:
    """Scaffold a rule, a hunting query or a rule's test cases, with a fresh GUID."""


@new.command("rule")
@click.argument("name")
@_FAMILY
@_TABLE
@click.option("--kind", type=click.Choice(["Scheduled", "NRT"]), default="Scheduled", show_default=True)
@click.pass_obj
def rule(app: AppContext, name: str, family: str, table: str, kind: str) -> None:
    """An analytics rule NAME with its .meta.yaml, tests file and sample stub."""
    _report(app, new_rule(app.project(), name, family, table, kind))


@new.command("hunting")
@click.argument("name")
@_FAMILY
@_TABLE
@click.pass_obj
def hunting(app: AppContext, name: str, family: str, table: str) -> None:
    """A hunting query NAME."""
    _report(app, new_hunting(app.project(), name, family, table), stubs=False)


@new.command("test")
@click.argument("rule_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def test(app: AppContext, rule_file: Path) -> None:
    """A tests file (one positive, one negative case) and a sample stub for a rule or hunting query."""
    _report(app, new_tests(app.project([rule_file]), rule_file))


def _report(app: AppContext, scaffold: Scaffold, stubs: bool = True) -> None:
    for path in scaffold.files:
        click.echo(f"created {path.relative_to(app.config.root) if path.is_relative_to(app.config.root) else path}")
    click.echo(f"id: {scaffold.rule_id}")
    if stubs:
        click.echo(f"note: {STUB_NOTE}")
    click.echo("then run `sentinel-dac version lock` to record the new id")
