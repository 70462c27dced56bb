"""Benchmarks: `python -m benchmarks <name>`; results are ratios and per-item times."""
