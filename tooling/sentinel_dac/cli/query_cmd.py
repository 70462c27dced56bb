"""`sentinel-dac query`: run any KQL over recorded samples on the embedded engine."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import click

from ..engine.kqltypes import parse_datetime, to_text
from ..errors import UsageError
from ..testing.adhoc import file_query, inline_query, load_data, run_adhoc
from .context import AppContext


@click.command()
@click.argument("kql", required=False)
@click.option(
    "--file",
    "rule_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Run the query of this analytics rule or hunting query (YAML).",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path),
    help="Folder of sample files (<name>.<Table>.jsonl); without it every table is empty.",
)
@click.option("--now", "now_text", help="now() for the query, ISO 8601 UTC (default: the current time).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.pass_obj
def query(
    app: AppContext, kql: str | None, rule_file: Path | None, data_dir: Path | None, now_text: str | None, fmt: str
) -> None:
    """Run KQL (or a rule's query) on the embedded engine: every catalogue table exists.

    Exit status: 0 ran, 1 error (bad query, file or data), 2 usage, 3 KQL the engine does not support.
    """
    if (kql is None) == (rule_file is None):
        raise UsageError("give either KQL text or --file RULE.yaml, not both")
    try:
        now = parse_datetime(now_text) if now_text else datetime.now(UTC)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--now {now_text!r}: not an ISO 8601 time ({exc})") from None
    project = app.project([rule_file] if rule_file else [])
    source = file_query(project, rule_file) if rule_file else inline_query(kql or "")
    result = run_adhoc(source, load_data(project, data_dir), now)
    click.echo(RENDER[fmt](result), nl=False)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)


def _json(result) -> str:
    rows = [{c: _plain(v) for c, v in zip(result.columns, row, strict=True)} for row in result.rows]
    return (
        json.dumps(
            {
                "columns": [{"name": c, "type": t} for c, t in zip(result.columns, result.types, strict=True)],
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )


def _plain(value):
    if isinstance(value, (dict, list, str, int, float, bool)) or value is None:
        return value
    return to_text(value)


def _csv(result) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return to_text(value)


def _table(result) -> str:
    cells = [[_cell(v) for v in row] for row in result.rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(result.columns)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(result.columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


RENDER = {"table": _table, "json": _json, "csv": _csv}
