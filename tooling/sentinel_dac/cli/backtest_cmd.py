"""`sentinel-dac backtest`: replay rules over days of recorded logs as Sentinel would schedule them."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from ..backtest.expect import labelled_range, load_episodes, score
from ..backtest.report import RENDERERS
from ..backtest.run import run_backtest
from ..backtest.source import FolderSource
from ..engine.kqltypes import ValueTypeError, parse_datetime
from ..errors import UsageError
from .context import AppContext


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    text = value.strip()
    if len(text) == 10:  # a date: midnight UTC
        text += "T00:00:00Z"
    try:
        return parse_datetime(text)
    except ValueTypeError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _select(rules, paths: tuple[Path, ...]):
    if not paths:
        return sorted(rules, key=lambda r: r.display)
    chosen = [p.resolve() for p in paths]
    picked = [r for r in rules if any(r.path.resolve() == c or c in r.path.resolve().parents for c in chosen)]
    if not picked:
        raise UsageError(f"no analytics rule under {', '.join(str(p) for p in paths)}")
    return sorted(picked, key=lambda r: r.display)


def _write(path: Path, text: str) -> None:
    """Whole or nothing: write beside, then rename."""
    tmp = path.with_name(path.name + ".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    os.replace(tmp, path)


class _Progress:
    """A one-line progress bar on a terminal's stderr; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or not total:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(f"\rbacktest [{'#' * filled}{'.' * (width - filled)}] {done}/{total} runs")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


@click.command()
@click.argument("rules", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path),
    help="Folder of recorded JSON Lines logs, <Table>.jsonl or <anything>.<Table>.jsonl. Default: the project's "
    "`backtest:` section (sentinel-dac.yaml), whose --expect and markdown report path then apply too.",
)
@click.option(
    "--target",
    "target_name",
    help="Fetch the logs from this target's workspace (a name in workspaces.yaml) instead of --data; "
    "needs --start and --end. Tables are fetched once, projected to the columns the rules use.",
)
@click.option(
    "--scrub",
    is_flag=True,
    help="With --target: pseudonymise the fetched rows (key in $SENTINEL_DAC_PSEUDONYM_KEY) before replay.",
)
@click.option(
    "--start",
    help="First moment of the range (ISO-8601 with zone, or a date = midnight UTC); logs before it are look-back "
    "history only. Default: --expect's labelled `start` when it has one, else the data's first hour.",
)
@click.option(
    "--end",
    help="Last moment of the range. Default: --expect's labelled `end`, else the hour after the data's last row.",
)
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE (else stdout).")
@click.option(
    "--expect",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Labelled episodes (the devweek's episodes.yaml): coverage per episode, precision/recall per family.",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=lambda: min(4, os.cpu_count() or 1),
    show_default="CPU count, at most 4",
    help="Rules replayed in parallel (threads over one copy of the data).",
)
@click.pass_obj
def backtest(app: AppContext, rules, data, target_name, scrub, start, end, fmt, out, expect, jobs) -> None:
    """Replay rules over recorded logs at every scheduled time and report their alerts.

    Each Scheduled rule runs every queryFrequency (the first run when a whole
    queryPeriod lies in the range), each NRT rule every minute over ingestion
    time, with suppression, the start delay and the simulator's per-run limits.
    Exit status: 0 every rule backtested, 1 bad data or a rule failed to run,
    2 usage error, 3 nothing failed but some rules were not backtested (no data
    for a table they read, or a range shorter than their queryPeriod).
    """
    lo, hi = _moment(start, "--start"), _moment(end, "--end")
    if lo is not None and hi is not None and hi <= lo:
        raise UsageError(f"--end {end} is not after --start {start}")
    standing = None
    if target_name is not None:
        if data is not None:
            raise UsageError("give --data DIR or --target NAME, not both")
        if lo is None or hi is None:
            raise UsageError("--target needs --start and --end (the range to fetch from the workspace)")
    elif scrub:
        raise UsageError("--scrub applies to --target (recorded data is pseudonymised when recorded)")
    elif data is None:
        standing = app.config.backtest
        if standing is None:
            raise UsageError("give --data DIR, or configure `backtest:` (data, expect, report) in sentinel-dac.yaml")
        if not standing.data.exists() and standing.generate:
            raise UsageError(f"the backtest data {standing.data} does not exist; generate it: {standing.generate}")
        data = standing.data
        expect = expect or standing.expect
    project = app.project(extra_paths=rules)
    selected = _select(project.rules, rules)
    episodes = load_episodes(expect, str(expect)) if expect else None
    if episodes is not None and target_name is None and lo is None and hi is None:
        lo, hi = labelled_range(expect, str(expect))  # logs before the labels are look-back history
    progress = _Progress(fmt == "text" and out is None and sys.stderr.isatty())
    logs = None
    try:
        if target_name is not None:
            source, logs = _workspace_source(app, project, selected, target_name, scrub, lo, hi)
        else:
            shown = data.as_posix() if standing is None else _shown(data, app.config.root)
            source = FolderSource(data, shown)
        result = run_backtest(project, selected, source, lo, hi, progress, jobs)
    finally:
        progress.close()
        if logs is not None:
            logs.close()
    scored = score(episodes, result.rules, result.days, str(expect)) if episodes is not None else None
    text = RENDERERS[fmt](result, scored)
    if standing is not None and standing.report is not None and not result.failed:
        _write(standing.report, RENDERERS["md"](result, scored))
        click.echo(f"backtest report written to {standing.report}", err=True)
    if out is not None:
        _write(out, text)
        click.echo(f"backtest report written to {out}", err=True)
    else:
        click.echo(text)
    raise SystemExit(1 if result.failed else 3 if result.incomplete else 0)


def _workspace_source(app: AppContext, project, rules, target_name: str, scrub: bool, lo, hi):
    """The rules' tables from a target's workspace (issue 13): fetched once, split by time."""
    from ..backtest.workspace import WorkspaceSource
    from ..hunt import WorkspaceLogs
    from ..hunt.fetch import merge_reads, tables_read
    from ..privacy import load_key
    from ..targets import load_targets, select_targets

    key = load_key() if scrub else None
    target = select_targets(load_targets(app.config.root), [target_name])[0]
    reads = merge_reads(r for rule in rules for r in tables_read(rule, project))
    logs = WorkspaceLogs(target)
    return WorkspaceSource(logs, reads, lo, hi, key), logs


__all__ = ["backtest"]
