"""Run a benchmark: `python -m benchmarks validate --rules 1000`, `engine --rows 1000000`, `content`,
`devweek --out DIR`, `deploy`, `backtest --rows 1000000`."""

from __future__ import annotations

import argparse
import sys

from . import backtest_bench, content_bench, deploy_bench, devweek, engine_bench, validate_bench

BENCHES = {
    "validate": validate_bench,
    "engine": engine_bench,
    "content": content_bench,
    "devweek": devweek,
    "deploy": deploy_bench,
    "backtest": backtest_bench,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="bench", required=True)
    for name, module in BENCHES.items():
        module.add_arguments(sub.add_parser(name, help=module.__doc__.splitlines()[0]))
    args = parser.parse_args(argv)
    return BENCHES[args.bench].run(args)


if __name__ == "__main__":
    sys.exit(main())
