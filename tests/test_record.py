"""`sentinel-dac samples record` against the emulator over HTTPS: rows split by time under the service's
limits, typed by the catalogue, pseudonymised before they reach the disk, loadable by the tests."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import FIXTURES
from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.cli import main
from sentinel_dac.engine.samples import read_sample_file
from sentinel_dac.privacy import KEY_ENV

PROJECT = FIXTURES / "hunt" / "project"
WINDOW = "2025-01-10T00:00:00Z/2025-01-12T00:00:00Z"
KEY = "record-test-key-not-a-secret-0123"
ORIGINALS = ("alice@contoso.example", "bob@contoso.example", "contoso")
EMULATOR_ROWS = FIXTURES / "emulator" / "samples" / "AzureActivity.jsonl"


@pytest.fixture
def rec_env(emu, monkeypatch):
    for key, value in emu.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(KEY_ENV, KEY)
    return emu


def _record(*args: str):
    return CliRunner().invoke(main, ["--project", str(PROJECT), "samples", "record", *args], catch_exceptions=False)


def test_record_a_query_writes_pseudonymised_typed_samples(rec_env, tmp_path):
    out = tmp_path / "week.AzureActivity.jsonl"
    result = _record("--target", "emu", "--query", "AzureActivity", "--timespan", WINDOW, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 3 rows of AzureActivity in 1 request(s)" in result.stdout
    text = out.read_text()
    assert not [o for o in ORIGINALS if o in text]
    rows = [json.loads(line) for line in text.splitlines()]
    originals = [json.loads(line) for line in EMULATOR_ROWS.read_text().splitlines()]
    # field by field: an address's pseudonym may be another row's address (a permutation of the range),
    # never its own
    assert all(r["CallerIpAddress"] != o["CallerIpAddress"] for r, o in zip(rows, originals, strict=True))
    assert [r["TimeGenerated"] for r in rows] == [
        "2025-01-10T10:00:00Z",
        "2025-01-10T11:00:00Z",
        "2025-01-11T09:30:00Z",
    ]
    assert all("$IngestionTime" in r for r in rows)
    assert rows[0]["Caller"] == rows[2]["Caller"] != rows[1]["Caller"]  # alice twice, bob once: joins survive
    assert rows[0]["CallerIpAddress"].startswith("203.0.113.")  # documentation range stays documentation range
    sample, findings = read_sample_file(out, out.name, builtin_catalog().get("AzureActivity"))
    assert findings == [] and len(sample.rows) == 3


def test_a_result_over_the_row_limit_is_split_by_time(rec_env, tmp_path):
    rec_env.engine.max_rows = 1
    try:
        out = tmp_path / "split.AzureActivity.jsonl"
        result = _record("--target", "emu", "--query", "AzureActivity", "--timespan", WINDOW, "--out", str(out))
    finally:
        rec_env.engine.max_rows = 500_000
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and [r["TimeGenerated"] for r in rows] == sorted(r["TimeGenerated"] for r in rows)
    windows = int(result.stdout.split(" in ")[1].split()[0])
    assert windows >= 3


def test_a_window_too_large_at_the_smallest_span_is_capped_with_a_warning(rec_env, tmp_path):
    from datetime import timedelta

    from sentinel_dac.hunt import WorkspaceLogs, parse_timespan
    from sentinel_dac.hunt.record import record_query
    from sentinel_dac.targets import load_targets

    rec_env.engine.max_rows = 1
    try:
        with WorkspaceLogs(load_targets(PROJECT)["emu"]) as logs:
            recorded = record_query(
                logs,
                "AzureActivity",
                "AzureActivity",
                parse_timespan(WINDOW),
                tmp_path / "cap.AzureActivity.jsonl",
                builtin_catalog(),
                KEY.encode(),
                min_span=timedelta(days=2),
            )
    finally:
        rec_env.engine.max_rows = 500_000
    assert recorded.rows == 1 and recorded.windows == 1
    assert "still exceeds the service's limits" in recorded.notes[0] and "capped at 1 rows" in recorded.notes[0]


def test_record_a_rules_tables_projected_to_the_columns_it_uses(rec_env, tmp_path):
    result = _record(
        "--target", "emu", "--rule", "Failed control-plane operations", "--timespan", WINDOW, "--out", str(tmp_path)
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "failed_activity.AzureActivity.jsonl"
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {
        "TimeGenerated",
        "Caller",
        "CallerIpAddress",
        "OperationNameValue",
        "ActivityStatusValue",
        "$IngestionTime",
    }


def test_record_refuses_what_it_cannot_do_well(rec_env, tmp_path, monkeypatch):
    out = tmp_path / "x.AzureActivity.jsonl"
    empty = _record(
        "--target", "emu", "--query", "AzureActivity", "--timespan", "2024-01-01T00:00:00Z/P1D", "--out", str(out)
    )
    assert empty.exit_code == 1 and "no rows of AzureActivity" in empty.stderr and not out.exists()
    wrong = _record(
        "--target",
        "emu",
        "--query",
        "AzureActivity | summarize n = count() by Caller",
        "--timespan",
        WINDOW,
        "--out",
        str(out),
    )
    assert (
        wrong.exit_code == 1 and "columns that are not in table AzureActivity: n" in wrong.stderr and not out.exists()
    )
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
    misnamed = _record(
        "--target", "emu", "--query", "AzureActivity", "--timespan", WINDOW, "--out", str(tmp_path / "x.jsonl")
    )
    assert misnamed.exit_code == 2 and "<name>.AzureActivity.jsonl" in misnamed.stderr
    both = _record("--target", "emu", "--timespan", WINDOW, "--out", str(out))
    assert both.exit_code == 2 and "either --query KQL or --rule ID" in both.stderr
    monkeypatch.delenv(KEY_ENV)
    keyless = _record("--target", "emu", "--query", "AzureActivity", "--timespan", WINDOW, "--out", str(out))
    assert keyless.exit_code == 1 and KEY_ENV in keyless.stderr and not out.exists()
