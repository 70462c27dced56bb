"""`sentinel-dac backtest --target`: the rules' tables fetched once from a workspace (the emulator over
HTTPS, through azure-monitor-query), split by time under the row limit, optionally pseudonymised, and
replayed by the same backtest as `--data` — same hand-checked alerts (tests/test_backtest.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import rule_text
from sentinel_dac.cli import main
from sentinel_dac.emulator import Emulator, load_workspaces
from sentinel_dac.privacy import KEY_ENV
from test_backtest import MAPPING, QUERY, ROWS

TARGETS = """\
targets:
  emu:
    tenant: 00000000-0000-0000-0000-0000000000aa
    subscription: 11111111-1111-4111-8111-111111111111
    resourceGroup: rg-test
    workspace: law-bt
    workspaceId: 22222222-2222-4222-8222-222222222222
"""
RANGE = ["--start", "2024-05-01", "--end", "2024-05-02"]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    logs = tmp_path / "ws" / "AZKVAuditLogs.jsonl"
    logs.parent.mkdir()
    logs.write_text("\n".join(ROWS) + "\n")
    (tmp_path / "ws" / "ws.yaml").write_text(
        "workspaces:\n"
        "  - name: law-bt\n"
        "    subscription: 11111111-1111-4111-8111-111111111111\n"
        "    resourceGroup: rg-test\n"
        "    customerId: 22222222-2222-4222-8222-222222222222\n"
        "    tables: {AZKVAuditLogs: {}, AzureActivity: {}}\n"
        "    samples: {AZKVAuditLogs: AZKVAuditLogs.jsonl}\n"
    )
    with Emulator(load_workspaces(tmp_path / "ws" / "ws.yaml"), cert_dir=tmp_path / "ca") as emu:
        for key, value in emu.env().items():
            monkeypatch.setenv(key, value)
        yield emu


def _project(make_project, rules: dict[str, str]):
    files = {f"detections/kv/{name}.yaml": text for name, text in rules.items()}
    files["workspaces.yaml"] = TARGETS
    files["logs/AZKVAuditLogs.jsonl"] = "\n".join(ROWS) + "\n"
    return make_project(files, config="require_cases: false\n")


def _backtest(root, monkeypatch, *args):
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["backtest", *args, *RANGE, "--format", "json"], catch_exceptions=False)
    return result, (json.loads(result.stdout) if result.stdout.strip().startswith("{") else None)


def _alerts(data):
    return [(a["run_time"], a["entities"], a["title"]) for a in data["alerts"]]


def test_backtest_on_a_workspace_equals_the_backtest_on_the_same_recorded_data(workspace, make_project, monkeypatch):
    root = _project(make_project, {"reads": rule_text(QUERY, **MAPPING)})
    local, local_data = _backtest(root, monkeypatch, "--data", "logs")
    remote, remote_data = _backtest(root, monkeypatch, "--target", "emu")
    assert local.exit_code == 0 and remote.exit_code == 0, remote.output
    assert len(remote_data["alerts"]) == 3
    assert _alerts(remote_data) == _alerts(local_data)
    queries = [r for r in workspace.requests if r.path.endswith("/query")]
    assert len(queries) == 1  # one fetch for the day, not one query per run (24 runs)
    assert "target emu (workspace law-bt)" in remote_data["source"]


def test_a_fetch_over_the_row_limit_is_split_and_gives_the_same_alerts(workspace, make_project, monkeypatch):
    root = _project(make_project, {"reads": rule_text(QUERY, **MAPPING)})
    _, local_data = _backtest(root, monkeypatch, "--data", "logs")
    workspace.engine.max_rows = 4
    remote, remote_data = _backtest(root, monkeypatch, "--target", "emu")
    assert remote.exit_code == 0, remote.output
    assert _alerts(remote_data) == _alerts(local_data)
    assert len([r for r in workspace.requests if r.path.endswith("/query")]) >= 4


def test_scrubbed_backtest_keeps_the_alerts_but_not_the_addresses(workspace, make_project, monkeypatch):
    root = _project(make_project, {"reads": rule_text(QUERY, **MAPPING)})
    monkeypatch.setenv(KEY_ENV, "backtest-key-not-a-secret-012345")
    remote, data = _backtest(root, monkeypatch, "--target", "emu", "--scrub")
    assert remote.exit_code == 0, remote.output
    assert [a["run_time"][11:16] for a in data["alerts"]] == ["03:00", "06:00", "11:00"]
    assert "203.0.113.7" not in remote.stdout and "203.0.113.9" not in remote.stdout
    first, second = (a["entities"][0]["Address"] for a in data["alerts"][:2])
    assert first == second  # the same caller, the same pseudonym


def test_a_table_missing_in_the_workspace_is_named_and_its_rule_not_backtested(workspace, make_project, monkeypatch):
    missing = rule_text("StorageBlobLogs | summarize n = count() by CallerIpAddress | where n > 100")
    root = _project(make_project, {"reads": rule_text(QUERY, **MAPPING), "blobs": missing})
    result, data = _backtest(root, monkeypatch, "--target", "emu")
    assert result.exit_code == 3, result.output
    warnings = [f"{w['code']} {w['message']}" for w in data["warnings"]]
    assert (
        "DAC900 table StorageBlobLogs does not exist in the workspace: rules reading it are not backtested" in warnings
    )
    status = {r["file"]: r["status"] for r in data["rules"]}
    assert status == {"detections/kv/blobs.yaml": "no-data", "detections/kv/reads.yaml": "ok"}


def test_target_usage_errors(make_project, monkeypatch):
    root = _project(make_project, {"reads": rule_text(QUERY, **MAPPING)})
    monkeypatch.chdir(root)
    runner = CliRunner()
    both = runner.invoke(main, ["backtest", "--data", "logs", "--target", "emu", *RANGE])
    assert both.exit_code == 2 and "not both" in both.output
    no_range = runner.invoke(main, ["backtest", "--target", "emu"])
    assert no_range.exit_code == 2 and "--target needs --start and --end" in no_range.output
    unknown = runner.invoke(main, ["backtest", "--target", "nope", *RANGE])
    assert unknown.exit_code == 2 and "unknown target(s) nope" in unknown.output
