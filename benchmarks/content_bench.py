"""Time the whole content suite (`sentinel-dac test` over the repository; goal: <= 15 s) and per-case overhead.

The suite runs as `sentinel-dac test` runs it: on every core by default (worker processes, each
started afresh per repetition, so no translation or sample cache survives from one repetition to
the next); `--jobs 1` measures one process.

Per-case overhead is what a case costs beyond its query: building the data set, loading it into
the engine, preparing and simulating — measured on a trivial rule (`print x = 1`) with an empty
sample, warm (translation cached) and cold (a new engine, as for the first case of a run).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.engine import DataSet
from sentinel_dac.engine.embedded import EmbeddedEngine
from sentinel_dac.testing import run_project
from sentinel_dac.testing.workers import default_jobs

GOAL_SECONDS = 15.0
ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", type=Path, default=ROOT, help="project root (default: this repository)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions of the suite (median reported)")
    parser.add_argument(
        "--jobs", type=int, default=None, help="worker processes, as `sentinel-dac test --jobs` (default: every core)"
    )


def run(args: argparse.Namespace) -> int:
    times, report = [], None
    for _ in range(args.repeat):
        start = time.perf_counter()
        report = run_project(load_project(load_config(args.project)), jobs=args.jobs)
        times.append(time.perf_counter() - start)
    assert report is not None
    suite = statistics.median(times)
    jobs = args.jobs or default_jobs()
    print(f"content: {report.rules} rules, {len(report.results)} cases, {report.count('passed')} passed, jobs {jobs}")
    verdict = "met" if suite <= GOAL_SECONDS else "NOT met"
    print(
        f"  whole suite (load + validate samples + run): median {suite:.2f} s over {args.repeat} runs "
        f"(goal <= {GOAL_SECONDS:.0f} s: {verdict}, ratio {suite / GOAL_SECONDS:.2f} of goal)"
    )
    cases = sorted(r.seconds for r in report.results)
    if cases:
        print(f"  per case: median {statistics.median(cases) * 1000:.0f} ms, max {cases[-1] * 1000:.0f} ms")
    warm, cold = _overhead()
    print(f"  per-case overhead (load + run of `print x = 1`): warm {warm * 1000:.1f} ms, cold {cold * 1000:.1f} ms")
    return 0 if report.ok else 1


def _overhead() -> tuple[float, float]:
    from sentinel_dac.catalog.tables import builtin_catalog

    now = datetime(2024, 5, 1, tzinfo=UTC)
    cold_start = time.perf_counter()
    engine = EmbeddedEngine()
    engine.load(DataSet(builtin_catalog()))
    engine.run("print x = 1", now)
    cold = time.perf_counter() - cold_start
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        engine.load(DataSet(builtin_catalog()))
        engine.run("print x = 1", now)
        samples.append(time.perf_counter() - start)
    engine.close()
    return statistics.median(samples), cold
