"""Time `validate` over N generated rules; report ms per rule (goal: <= 10 ms)."""

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


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sentinel-dac.yaml").write_text("require_cases: false\n")
        write_rules(root / "detections", args.rules)
        config = load_config(root)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = validate_project(load_project(config))
            times.append(time.perf_counter() - start)
        if result.errors:
            print(f"generated rules are invalid: {result.errors[0]}")
            return 1
    median = statistics.median(times)
    per_rule = median * 1000 / args.rules
    print(f"validate: {args.rules} rules, median {median:.2f} s over {args.repeat} runs")
    print(
        f"  {per_rule:.2f} ms/rule (goal <= {GOAL_MS_PER_RULE:.0f} ms/rule: "
        f"{'met' if per_rule <= GOAL_MS_PER_RULE else 'NOT met'}, ratio {per_rule / GOAL_MS_PER_RULE:.2f} of goal)"
    )
    return 0
