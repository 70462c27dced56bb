"""Options and output shared by doctor, plan, apply and prune (the logic is in deploy.workflow)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from ..deploy.plan import Action
from ..deploy.workflow import Options, TargetRun, run_targets
from ..targets import load_targets, select_targets
from ..validate import validate_project
from .context import AppContext

SIGNS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DRIFTED: "!",
    Action.CONFLICT: "!",
    Action.DELETE: "-",
    Action.UNCHANGED: "=",
}


def target_options(f: Callable) -> Callable:
    f = click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "md"]),
        default="text",
        show_default=True,
        help="md: a Markdown report (e.g. a pull-request comment).",
    )(f)
    f = click.option(
        "--targets",
        "targets_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Targets file (default: workspaces.yaml at the project root).",
    )(f)
    f = click.option("--all", "all_targets", is_flag=True, help="Every target in the targets file.")(f)
    f = click.option("--target", "target_names", multiple=True, help="Target name (repeatable).")(f)
    return f


def run(app: AppContext, mode: str, target_names, all_targets, targets_file, options: Options) -> list[TargetRun]:
    """Validate the project (nothing is deployed from invalid content), then run `mode` on each target."""
    root = app.config.root
    targets = select_targets(load_targets(root, targets_file), target_names, all_targets)
    project = app.project()
    result = validate_project(project)
    if result.errors:
        for f in result.errors:
            click.echo(f.render(), err=True)
        click.echo(f"{mode}: {len(result.errors)} validation error(s); nothing done", err=True)
        raise SystemExit(1)
    return run_targets(project, targets, mode, options)


def echo_runs(runs: list[TargetRun], fmt: str, verbose: bool = False) -> None:
    if fmt == "json":
        click.echo(json.dumps({"targets": [r.to_dict() for r in runs]}, indent=2))
        return
    if fmt == "md":
        click.echo(markdown(runs, verbose))
        return
    for r in runs:
        click.echo(f"target {r.target.name} ({r.target.workspace_name})")
        if r.error:
            click.echo(f"  error: {r.error}")
        if r.doctor is not None:
            for f in r.doctor.findings:
                click.echo(f"  {f.render()}")
            for note in r.doctor.notes:
                click.echo(f"  note: {note}")
        if r.plan is not None:
            counts = r.plan.counts()
            click.echo("  plan: " + ", ".join(f"{n} {a}" for a, n in counts.items() if n))
            for c in r.plan.changes:
                if c.action is Action.UNCHANGED and not verbose:
                    continue
                line = f"  {SIGNS[c.action]:>3} {c.action.value:<9} {c.kind.value:<14} {c.title or c.name}"
                extra = []
                if c.fields:
                    extra.append("fields: " + ", ".join(c.fields))
                if c.reason:
                    extra.append(c.reason)
                click.echo(line + (f"  ({'; '.join(extra)})" if extra else ""))
            for note in r.plan.health:
                click.echo(f"  note: {note}")
        if r.report is not None:
            click.echo(
                "  result: " + (", ".join(f"{n} {o}" for o, n in sorted(r.report.counts().items())) or "nothing to do")
            )
            for res in r.report.results:
                if not res.ok or res.outcome == "skipped" or verbose:
                    msg = f": {res.message}" if res.message else ""
                    click.echo(
                        f"  {res.outcome:<9} {res.change.kind.value:<14} {res.change.title or res.change.name}{msg}"
                    )


def markdown(runs: list[TargetRun], verbose: bool = False) -> str:
    """One section per target: doctor findings, then a table of the changes."""
    out = ["## sentinel-dac plan", ""]
    for r in runs:
        out.append(f"### {r.target.name} (`{r.target.workspace_name}`)")
        if r.error:
            out.append(f"**error:** {r.error}")
        for f in r.doctor.findings if r.doctor else ():
            out.append(f"- `{f.location}` {f.code} {f.message}")
        if r.plan is not None:
            counts = ", ".join(f"{n} {a}" for a, n in r.plan.counts().items() if n)
            out += ["", counts or "nothing deployed", ""]
            rows = [c for c in r.plan.changes if verbose or c.action is not Action.UNCHANGED]
            if rows:
                out += ["| | action | kind | object | details |", "|---|---|---|---|---|"]
                for c in rows:
                    details = "; ".join(x for x in (", ".join(c.fields), c.reason) if x).replace("|", "\\|")
                    out.append(
                        f"| {SIGNS[c.action]} | {c.action.value} | {c.kind.value} | {c.title or c.name} | {details} |"
                    )
        if r.report is not None:
            out.append("")
            out.append(
                "result: " + (", ".join(f"{n} {o}" for o, n in sorted(r.report.counts().items())) or "nothing to do")
            )
        out.append("")
    return "\n".join(out)
