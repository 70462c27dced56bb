"""What the compatibility layer costs: the content suite with the layer on vs off (goal: <= 1.20x).

The layer (engine/compat.py rewrites, engine/tablefn.py, its pipeline stages) runs in `prepare()` for
every query on the embedded engine. Runs alternate on/off so machine load affects both alike; the
ratio of medians is reported. Off, queries that need the layer would be refused, so the suite's
outcome is only checked with the layer on.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.engine import prepare as prepare_module
from sentinel_dac.testing import run_project

GOAL_RATIO = 1.20
ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=ROOT, help="project root (default: this repository)")
    parser.add_argument("--repeat", type=int, default=5, help="timed suite runs per setting (median reported)")


def _suite(project_root: Path, layer: bool):
    prepare_module.COMPAT = layer
    try:
        start = time.perf_counter()
        report = run_project(load_project(load_config(project_root)))
        return time.perf_counter() - start, report
    finally:
        prepare_module.COMPAT = True


def run(args: argparse.Namespace) -> int:
    _suite(args.project, True)  # warm-up: imports, parser start-up
    on, off, report = [], [], None
    for _ in range(args.repeat):
        seconds, report = _suite(args.project, True)
        on.append(seconds)
        off.append(_suite(args.project, False)[0])
    assert report is not None
    ratio = statistics.median(on) / statistics.median(off)
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(f"compat: content suite {len(report.results)} cases, {report.count('passed')} passed with the layer")
    print(
        f"  layer on: median {statistics.median(on):.2f} s, off: {statistics.median(off):.2f} s over {args.repeat} runs"
        f" -> ratio {ratio:.2f} (goal <= {GOAL_RATIO:.2f}: {verdict})"
    )
    return 0 if report.ok and ratio <= GOAL_RATIO else 1
