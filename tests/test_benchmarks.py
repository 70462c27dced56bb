"""The benchmark harness runs (its timings are reported by `python -m benchmarks`, not asserted)."""

from __future__ import annotations

from benchmarks.__main__ import main

from helpers import repo_subset

SMALL = ("detections/openai", "detections/keyvault/kv_backup_operations.*", "detections/keyvault/samples")
"""Enough of the repository's content to prove a suite benchmark works; the timings come from the whole one."""


def test_validate_benchmark_runs_on_generated_rules(capsys):
    assert main(["validate", "--rules", "25", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "25 rules" in out and "ms/rule" in out
    assert "with semantic KQL checks" in out and "parser start-up" in out  # reported apart from per-rule time


def test_validate_benchmark_without_kql(capsys):
    assert main(["validate", "--rules", "10", "--repeat", "1", "--no-kql"]) == 0
    out = capsys.readouterr().out
    assert "without KQL checks" in out and "parser start-up" not in out


def test_engine_benchmark_agrees_with_hand_written_sql(capsys):
    assert main(["engine", "--rows", "20000", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "hand-written DuckDB SQL" in out and "ratio" in out and "per rule run" in out


def test_content_benchmark_runs_a_content_suite(capsys, tmp_path):
    assert main(["content", "--repeat", "1", "--project", str(repo_subset(tmp_path, *SMALL))]) == 0
    out = capsys.readouterr().out
    assert "whole suite" in out and "per-case overhead" in out


def test_backtest_benchmark_scales_the_week_in_time_order(tmp_path):
    from benchmarks.backtest_bench import scale_week

    src = tmp_path / "week"
    src.mkdir()
    lines = [f'{{"TimeGenerated": "2024-05-0{d}T00:00:00Z"}}' for d in range(1, 5)]
    (src / "T.jsonl").write_text("\n".join(lines) + "\n")
    assert scale_week(src, tmp_path / "up", ["T", "Missing"], 10) == {"T": 10}
    up = (tmp_path / "up" / "T.jsonl").read_text().splitlines()
    assert up == [lines[0]] * 3 + [lines[1]] * 3 + [lines[2]] * 2 + [lines[3]] * 2  # repeated in place: sorted
    down = scale_week(src, tmp_path / "down", ["T"], 2)
    assert down == {"T": 2}
    assert (tmp_path / "down" / "T.jsonl").read_text().splitlines() == [lines[0], lines[2]]  # thinned evenly


def test_compat_benchmark_compares_the_suite_with_the_layer_on_and_off(capsys, tmp_path):
    from sentinel_dac.engine import prepare

    main(
        ["compat", "--repeat", "1", "--project", str(repo_subset(tmp_path, *SMALL))]
    )  # the ratio is machine-dependent: reported, not asserted here
    out = capsys.readouterr().out
    assert "layer on: median" in out and "ratio" in out
    assert prepare.COMPAT is True  # restored after the runs


def test_deploy_benchmark_plans_and_applies_without_writes(capsys):
    assert main(["deploy", "--rules", "12", "--targets", "2", "--latency", "0"]) == 0
    out = capsys.readouterr().out
    assert "12 rules x 2 targets" in out and "only reads" in out


def test_scrub_benchmark_reports_rows_per_second(capsys):
    assert main(["scrub", "--rows", "2000"]) == 0
    out = capsys.readouterr().out
    assert "2000 AZKVAuditLogs rows" in out and "rows/s" in out and "ratio" in out
