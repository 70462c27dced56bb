"""Time `validate` over N generated rules; report ms per rule (goal: <= 10 ms) and parser start-up apart.

Semantic KQL checks start .NET and Microsoft's Kusto.Language once per process
(seconds), then build the table catalogue's symbols once (~100 ms). Both are
measured and reported separately; the per-rule figure is the steady state a
CI run or pre-commit hook pays for each rule after that.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.validate import validate_project

from .generate import write_rules

GOAL_MS_PER_RULE = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", type=int, default=1000, help="number of generated rules")
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (the median is reported)")
    parser.add_argument("--no-kql", action="store_true", help="schema checks only (no Kusto.Language)")


def startup(project) -> tuple[float, float]:
    """Seconds to start the parser, and to build the catalogue's symbols (both once per process)."""
    from sentinel_dac.kql import analyze, load, project_functions

    t0 = time.perf_counter()
    load()
    t1 = time.perf_counter()
    analyze("print 1", project.catalog, project_functions(project.watchlists, project.parsers))
    return t1 - t0, time.perf_counter() - t1


def run(args: argparse.Namespace) -> int:
    kql = not args.no_kql
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sentinel-dac.yaml").write_text("require_cases: false\n")
        write_rules(root / "detections", args.rules)
        config = load_config(root)
        clr_s = symbols_s = 0.0
        if kql:
            clr_s, symbols_s = startup(load_project(config))
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = validate_project(load_project(config), kql=kql)
            times.append(time.perf_counter() - start)
        if result.findings:
            print(f"generated rules are not clean: {result.findings[0].render()}")
            return 1
    median = statistics.median(times)
    per_rule = median * 1000 / args.rules
    mode = "with semantic KQL checks" if kql else "without KQL checks (--no-kql)"
    print(f"validate {mode}: {args.rules} rules, median {median:.2f} s over {args.repeat} runs")
    if kql:
        print(
            f"  parser start-up (once per process): .NET + Kusto.Language {clr_s:.2f} s, catalogue symbols "
            f"{symbols_s * 1000:.0f} ms"
        )
    print(
        f"  {per_rule:.2f} ms/rule after start-up (goal <= {GOAL_MS_PER_RULE:.0f} ms/rule: "
        f"{'met' if per_rule <= GOAL_MS_PER_RULE else 'NOT met'}, ratio {per_rule / GOAL_MS_PER_RULE:.2f} of goal)"
    )
    return 0
