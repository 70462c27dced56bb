"""`sentinel-dac hunt`: run a hunting query (or a rule's query) on a target workspace."""

from __future__ import annotations

import json
import sys

import click

from ..hunt import WorkspaceLogs, parse_timespan
from ..hunt.logs import DEFAULT_SERVER_TIMEOUT
from ..hunt.progress import spinner
from ..hunt.render import as_csv, as_json, as_table
from ..hunt.run import run_hunt, run_hunts, summary
from ..hunt.select import select_items
from ..targets import load_targets, select_targets
from .context import AppContext

EXIT_PARTIAL = 3


@click.command()
@click.argument("ref", required=False)
@click.option("--target", "target_name", required=True, help="Target workspace (a name in workspaces.yaml).")
@click.option("--timespan", default="P7D", show_default=True, help="ISO-8601 duration ending now, or START/END.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option(
    "--timeout",
    "server_timeout",
    type=click.IntRange(1, 600),
    default=DEFAULT_SERVER_TIMEOUT,
    show_default=True,
    help="Seconds the service may run the query (at most 600).",
)
@click.option("--all", "all_", is_flag=True, help="Run every hunting query (of --family) and print a summary.")
@click.option("--family", help="With --all: only this family's hunting queries.")
@click.option("--limit", type=int, default=200, show_default=True, help="Rows shown in table format.")
@click.pass_obj
def hunt(app: AppContext, ref, target_name, timespan, fmt, server_timeout, all_, family, limit) -> None:
    """Run hunting query REF (id, name or file; a rule's query too) on a target through the Log Analytics API.

    Exit status: 0 answered (also with no rows), 1 error, 2 usage, 3 partial result (rows printed,
    the service's error on stderr).
    """
    project = app.project()
    target = select_targets(load_targets(app.config.root), [target_name])[0]
    items = select_items(project, ref, family, all_)
    window = parse_timespan(timespan)
    with WorkspaceLogs(target) as logs:
        if all_:
            runs = run_hunts(logs, items, window, server_timeout)
            if fmt == "json":
                click.echo(
                    json.dumps(
                        [
                            {
                                "id": r.item.id,
                                "name": r.item.name,
                                "status": r.status,
                                "rows": len(r.outcome.rows) if r.outcome else None,
                                "error": r.error,
                                "partial_error": r.outcome.partial_error if r.outcome else None,
                            }
                            for r in runs
                        ],
                        indent=2,
                    )
                )
            else:
                click.echo(summary(runs))
            if any(r.error for r in runs):
                sys.exit(1)
            if any(r.status == "partial" for r in runs):
                sys.exit(EXIT_PARTIAL)
            return
        item = items[0]
        with spinner(f"{item.name} on {target.name}"):
            run = run_hunt(logs, item, window, server_timeout)
    outcome = run.outcome
    assert outcome is not None
    if fmt == "json":
        click.echo(as_json(outcome, query=item.name, target=target.name))
    elif fmt == "csv":
        click.echo(as_csv(outcome))
    else:
        click.echo(as_table(outcome, limit))
        if not outcome.rows:
            click.echo(f"(no rows in {timespan})", err=True)
    if outcome.partial_error:
        click.echo(f"error: partial result — the service stopped early: {outcome.partial_error}", err=True)
        sys.exit(EXIT_PARTIAL)
