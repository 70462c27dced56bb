"""`sentinel-dac diff --base REF`: what a merge changes, ready for a PR comment (lifecycle.diff)."""

from __future__ import annotations

import json

import click

from ..lifecycle.diff import build_diff, render_json, render_markdown
from .context import AppContext


@click.command()
@click.option("--base", required=True, metavar="REF", help="The git ref the change merges into (e.g. origin/main).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--no-tests", is_flag=True, help="Do not run the test cases of new and changed rules.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.pass_obj
def diff(app: AppContext, base: str, fmt: str, no_tests: bool, out: str | None) -> None:
    """New, changed, deprecated and removed rules against REF, with KQL diffs, version check and
    test results. Exit 0 ok, 1 a version problem or a failing test."""
    # The deploy plan section plugs in here: pass `plan=<hook>` (lifecycle.diff.PlanHook) once
    # `sentinel-dac plan` exists (issue 11) and targets are reachable.
    report = build_diff(app.project(), base, run_tests=not no_tests, plan=None)
    text = json.dumps(render_json(report), indent=2) + "\n" if fmt == "json" else render_markdown(report)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
    raise SystemExit(0 if report.ok else 1)
