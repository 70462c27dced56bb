"""Generate the development week (7 days of labelled, noisy logs) and time it: `python -m benchmarks devweek --out DIR`.

The package is the data generator issue 7 asks for: deterministic for a seed, schema-exact against the
table catalogue, streaming (memory stays at one hour of rows), so `--scale` can grow it to the
1M-rows-per-table backtest benchmark. `generator.generate()` is the function to call from code; this
module is the benchmark-harness face of it (reports generation time against the CI budget).
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

from .generator import DEFAULT_START, DEFAULT_WARMUP_DAYS, generate

BUDGET_SECONDS = 30.0  # CI regenerates the week: default scale must stay well under this on a 2-core machine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, required=True, help="folder to write (replaced if it holds a previous week)"
    )
    parser.add_argument("--start", default=DEFAULT_START, help=f"first day, midnight UTC (default {DEFAULT_START})")
    parser.add_argument("--days", type=int, default=7, help="number of days (default 7)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplier for benign volume (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--warmup-days",
        type=int,
        default=DEFAULT_WARMUP_DAYS,
        help=f"days of benign-only history before --start, for rules' baselines (default {DEFAULT_WARMUP_DAYS})",
    )


def run(args: argparse.Namespace) -> int:
    try:
        summary = generate(
            args.out,
            start=args.start,
            days=args.days,
            scale=args.scale,
            seed=args.seed,
            warmup_days=args.warmup_days,
        )
    except (ValueError, OSError) as exc:
        print(f"devweek: error: {exc}", file=sys.stderr)
        return 2
    total = sum(summary.rows.values())
    attacks = sum(1 for p in summary.episodes if not p.episode.benign)
    print(
        f"devweek: {total:,} rows in {len(summary.rows)} tables, {attacks} attack + "
        f"{len(summary.episodes) - attacks} benign episodes → {summary.out}"
    )
    for table, n in summary.rows.items():
        print(f"  {table:<28} {n:>10,}")
    rate = total / summary.seconds if summary.seconds else 0.0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  peak memory {peak_mb:,.0f} MB (streaming: about one hour of rows is held at a time)")
    print(
        f"  generated in {summary.seconds:.1f} s ({rate:,.0f} rows/s); CI budget {BUDGET_SECONDS:.0f} s: "
        f"ratio {summary.seconds / BUDGET_SECONDS:.2f} of budget"
    )
    return 0
