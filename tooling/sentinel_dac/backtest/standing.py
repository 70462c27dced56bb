"""The project's standing backtest (`backtest:` in sentinel-dac.yaml) and where its report lives.

Why `check` does not run it: replaying every rule over a week of logs takes
minutes (data generation ~15-35 s, then every rule's runs) and grows with the
content, while `check` is the fast CI gate run on every push. So the backtest
is its own command and CI job (`sentinel-dac backtest` with no `--data` uses
this section and writes the markdown report), and `check` only says where the
per-family precision/recall report is, whether it exists, and whether content
changed after it was written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..config import ProjectConfig

COMMAND = "sentinel-dac backtest"


def report_status(config: ProjectConfig, content_files: Iterable[Path]) -> str:
    """One line for `check`: where the per-family precision/recall report is and how fresh it is."""
    bt = config.backtest
    if bt is None:
        return (
            "backtest: not configured — add a `backtest:` section (data, expect, report) to sentinel-dac.yaml; "
            "per-family precision/recall comes from `sentinel-dac backtest --data DIR --expect FILE`"
        )
    if bt.report is None:
        return f"backtest: no `report:` path in sentinel-dac.yaml; `{COMMAND}` prints its report to stdout"
    shown = _rel(bt.report, config.root)
    if not bt.report.is_file():
        steps = [bt.generate] if bt.generate and not bt.data.exists() else []
        steps.append(COMMAND)
        return f"backtest: per-family precision/recall report {shown} not written yet; run: {' && '.join(steps)}"
    written = bt.report.stat().st_mtime
    newest = max((p.stat().st_mtime for p in content_files if p.exists()), default=0.0)
    when = datetime.fromtimestamp(written, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stale = f" — STALE: content changed since; rerun `{COMMAND}`" if newest > written else ""
    return f"backtest: per-family precision/recall report: {shown} (written {when}){stale}"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
