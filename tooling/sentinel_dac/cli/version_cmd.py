"""`sentinel-dac version check|bump|lock`: the version lock (lifecycle.versions)."""

from __future__ import annotations

import json

import click

from ..lifecycle.lock import LOCK_NAME
from ..lifecycle.versions import bump_versions, check_versions, relock, unbumped
from .context import AppContext

_BASE = click.option(
    "--base", metavar="REF", help="Compare with the content at this git ref (e.g. origin/main) instead of the lock."
)


@click.group()
def version() -> None:
    """Rule versions: a logic change must come with a version bump, recorded in sentinel-dac.lock.json."""


@version.command("check")
@_BASE
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def check(app: AppContext, base: str | None, fmt: str) -> None:
    """Fail when logic changed without a bump, a version went down, an id changed or was reused,
    or the lock is stale. Exit 0 ok, 1 problems."""
    result = check_versions(app.project(), base)
    if fmt == "json":
        body = {
            "reference": result.reference,
            "rules_checked": result.rules_checked,
            "errors": [f.to_dict() for f in result.findings],
        }
        click.echo(json.dumps(body, indent=2))
    else:
        for f in result.findings:
            click.echo(f.render())
        state = "ok" if result.ok else "FAILED"
        click.echo(f"version check: {state} -- {result.rules_checked} rules against {result.reference}")
    raise SystemExit(0 if result.ok else 1)


@version.command("bump")
@_BASE
@click.option("--part", type=click.Choice(["patch", "minor", "major"]), default="patch", show_default=True)
@click.pass_obj
def bump(app: AppContext, base: str | None, part: str) -> None:
    """Raise the version of every rule whose logic changed, then rewrite the lock."""
    project = app.project()
    bumps = bump_versions(project, base, part)  # type: ignore[arg-type]
    for b in bumps:
        click.echo(f"{b.path}: version {b.old or '(none)'} -> {b.new}")
    if not bumps:
        click.echo("no rule's logic changed without a version bump")
    _write_lock(app.project())


@version.command("lock")
@click.pass_obj
def lock(app: AppContext) -> None:
    """Rewrite sentinel-dac.lock.json from the content (after merging new rules). Refuses to record a
    logic change whose version was not bumped: run `version bump` for those."""
    project = app.project()
    problems = unbumped(project)
    if problems:
        for f in problems:
            click.echo(f.render(), err=True)
        click.echo("error: not writing the lock over unbumped logic changes; run `sentinel-dac version bump`", err=True)
        raise SystemExit(1)
    _write_lock(project)


def _write_lock(project) -> None:
    _, changes, written = relock(project)
    for rule_id, what in changes.items():
        click.echo(f"{LOCK_NAME}: {rule_id} {what}")
    click.echo(f"{LOCK_NAME}: {'written' if written else 'already up to date'}")
