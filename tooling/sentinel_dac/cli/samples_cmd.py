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


@samples.command("record")
@click.option("--target", "target_name", required=True, help="Target workspace (a name in workspaces.yaml).")
@click.option("--query", "query", help="KQL returning rows of one table (e.g. `AZKVAuditLogs | where ...`).")
@click.option("--table", help="With --query: the table its rows belong to (default: the query's first word).")
@click.option("--rule", "rule_ref", help="Record every table this rule or hunting query reads (id, name or file).")
@click.option("--timespan", required=True, help="ISO-8601 duration ending now (P1D) or START/END.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="--query: the sample file (<name>.<Table>.jsonl); --rule: a folder (one <rule>.<Table>.jsonl per table).",
)
@click.pass_obj
def record(app: AppContext, target_name, query, table, rule_ref, timespan, out: Path) -> None:
    """Record rows from a workspace as pseudonymised samples test cases can use.

    Rows are fetched split by time (the query API has no paging), typed by the table catalogue and
    pseudonymised with the key in $SENTINEL_DAC_PSEUDONYM_KEY before they reach the disk.
    """
    from ..errors import UsageError
    from ..hunt import WorkspaceLogs, parse_timespan
    from ..hunt.fetch import tables_read
    from ..hunt.record import record_query, record_reads, table_of_query
    from ..hunt.select import select_items
    from ..targets import load_targets, select_targets

    if bool(query) == bool(rule_ref):
        raise UsageError("give either --query KQL or --rule ID")
    key = load_key()
    target = select_targets(load_targets(app.config.root), [target_name])[0]
    window = parse_timespan(timespan)
    if query:
        catalog = project_catalog(app)
        table = table or table_of_query(query, catalog)
        if table is None:
            raise UsageError("--table is needed: the query does not start with a catalogued table name")
        if not out.name.endswith(f".{table}.jsonl") and out.name != f"{table}.jsonl":
            raise UsageError(f"--out must be named <name>.{table}.jsonl so tests know its table (got {out.name})")
        with WorkspaceLogs(target) as logs:
            results = [record_query(logs, query, table, window, out, catalog, key)]
    else:
        project = app.project()
        item = select_items(project, rule_ref)[0]
        reads = tables_read(item, project)
        with WorkspaceLogs(target) as logs:
            results = record_reads(logs, reads, window, out, item.path.stem, project.catalog, key)
    for r in results:
        if not r.rows:
            click.echo(f"warning: {r.notes[0]}", err=True)
            continue
        click.echo(f"wrote {r.path}: {r.rows} rows of {r.table} in {r.windows} request(s)")
        for note in r.notes:
            click.echo(f"warning: {note}", err=True)
        click.echo(r.report.render())
