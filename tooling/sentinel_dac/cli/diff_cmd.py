"""`sentinel-dac diff --base REF`: what a merge changes, ready for a PR comment (lifecycle.diff)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..lifecycle.diff import build_diff, render_json, render_markdown
from .context import AppContext


@click.command()
@click.option("--base", required=True, metavar="REF", help="The git ref the change merges into (e.g. origin/main).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", show_default=True)
@click.option("--no-tests", is_flag=True, help="Do not run the test cases of new and changed rules.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write the report to this file.")
@click.option("--plan", "with_plan", is_flag=True, help="Add the deploy plan of the targets (read-only).")
@click.option("--target", "target_names", multiple=True, help="With --plan: target name (repeatable; default all).")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False, path_type=Path), help="Targets file.")
@click.pass_obj
def diff(
    app: AppContext,
    base: str,
    fmt: str,
    no_tests: bool,
    out: str | None,
    with_plan: bool,
    target_names: tuple[str, ...],
    targets_file: Path | None,
) -> None:
    """New, changed, deprecated and removed rules against REF, with KQL diffs, version check,
    test results and (--plan) the deploy plan. Exit 0 ok, 1 a version problem or a failing test."""
    hook = None
    if with_plan:
        from ..lifecycle.plan_section import plan_hook
        from ..targets import load_targets, select_targets

        targets = load_targets(app.config.root, targets_file)
        hook = plan_hook(select_targets(targets, target_names, all_=not target_names))
    report = build_diff(app.project(), base, run_tests=not no_tests, plan=hook)
    text = json.dumps(render_json(report), indent=2) + "\n" if fmt == "json" else render_markdown(report)
    if out:
        with open(out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
    raise SystemExit(0 if report.ok else 1)
