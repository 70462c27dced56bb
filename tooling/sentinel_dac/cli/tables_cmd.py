"""`sentinel-dac tables`: the table catalogue the KQL checks use (list, show, import)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import click

from ..catalog.table_import import import_table
from ..catalog.tables import TableCatalog, builtin_catalog, load_catalog, table_file_json
from ..content.load import display_path
from ..errors import UsageError
from .context import AppContext


def _catalog(app: AppContext) -> TableCatalog:
    config = app.config
    catalog, findings = load_catalog(config.paths.get("tables"), lambda p: display_path(p, config.root))
    for f in findings:
        click.echo(f"warning: {f.render()}", err=True)
    return catalog


@click.group()
def tables() -> None:
    """Table schemas used by semantic KQL checks (built in, plus the project's tables folder)."""


@tables.command("list")
@click.pass_obj
def list_tables(app: AppContext) -> None:
    """List every known table with its column count and where its schema comes from."""
    catalog = _catalog(app)
    builtin = builtin_catalog()
    width = max(len(n) for n in catalog.names())
    for name in catalog.names():
        t = catalog.get(name)
        where = "built-in" if builtin.get(name) is t else t.source
        click.echo(f"{name:<{width}}  {len(t.columns):>4} columns  {where}")


@tables.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the schema in Azure-Sentinel's JSON format.")
@click.pass_obj
def show_table(app: AppContext, name: str, as_json: bool) -> None:
    """Show the columns of table NAME (with their types and origin)."""
    catalog = _catalog(app)
    table = catalog.get(name)
    if table is None:
        close = difflib.get_close_matches(name, catalog.names(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `sentinel-dac tables list`"
        raise UsageError(f"no table named '{name}' in the catalogue{hint}")
    if as_json:
        click.echo(json.dumps(table_file_json(table), indent=2))
        return
    click.echo(f"{table.name}  ({len(table.columns)} columns; source: {table.source})")
    width = max(len(c.name) for c in table.columns)
    for c in table.columns:
        origin = "" if c.origin == "schema" else f"  ({c.origin})"
        click.echo(f"  {c.name:<{width}}  {c.type}{origin}")


@tables.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Table name (required for getschema output, which does not carry it).")
@click.option("--force", is_flag=True, help="Replace an existing file in the tables folder.")
@click.pass_obj
def import_cmd(app: AppContext, file: Path, name: str | None, force: bool) -> None:
    """Import a table schema from FILE into the project's tables folder.

    FILE is Azure-Sentinel's format ({"Name", "Properties": [{"Name", "Type"}]}) or the output of
    KQL `<Table> | getschema` saved as JSON or CSV (ColumnName, ColumnOrdinal, DataType, ColumnType).
    """
    tables_dir = app.config.paths["tables"]
    result = import_table(file, tables_dir, name=name, force=force)
    shown = display_path(result.path, app.config.root)
    verb = "replaced" if result.replaced_file else "wrote"
    note = " (overrides the built-in schema)" if builtin_catalog().get(result.table.name) else ""
    click.echo(f"{verb} {shown}: table {result.table.name}, {len(result.table.columns)} columns{note}")
