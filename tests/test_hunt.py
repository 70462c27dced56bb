"""`sentinel-dac hunt` through the real azure-monitor-query client against the emulator over HTTPS:
results, formats, partial results, throttling, timeouts and the service's errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import FIXTURES
from sentinel_dac.cli import main
from sentinel_dac.emulator import FaultConfig

PROJECT = FIXTURES / "hunt" / "project"
WINDOW = "2025-01-10T00:00:00Z/2025-01-12T00:00:00Z"


@pytest.fixture
def hunt_env(emu, monkeypatch):
    for key, value in emu.env().items():
        monkeypatch.setenv(key, value)
    return emu


def _hunt(*args: str):
    return CliRunner().invoke(main, ["--project", str(PROJECT), "hunt", *args], catch_exceptions=False)


def test_a_hunting_query_by_id_prints_its_rows(hunt_env):
    result = _hunt("5a1f0c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "--target", "emu", "--timespan", WINDOW)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Caller", "CallerIpAddress", "Operations", "Kinds"]
    assert lines[2].startswith("alice@contoso.example") and "203.0.113.10" in lines[2]
    assert len(lines) == 4
    assert any(
        r.path.startswith("/v1/workspaces/22222222-2222-4222-8222-222222222222/query") for r in hunt_env.requests
    )


def test_by_file_as_csv_and_json(hunt_env):
    path = str(PROJECT / "hunting" / "activity" / "failed_activity.yaml")
    csv = _hunt(path, "--target", "emu", "--timespan", WINDOW, "--format", "csv")
    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines() == [
        "TimeGenerated,Caller,CallerIpAddress,OperationNameValue",
        "2025-01-11T09:30:00Z,alice@contoso.example,203.0.113.10,MICROSOFT.KEYVAULT/VAULTS/WRITE",
    ]
    out = json.loads(_hunt(path, "--target", "emu", "--timespan", WINDOW, "--format", "json").stdout)
    assert out["rows"][0]["Caller"] == "alice@contoso.example" and out["partial_error"] is None


def test_the_timespan_limits_what_the_service_sees(hunt_env):
    result = _hunt("Failed control-plane operations", "--target", "emu", "--timespan", "2025-01-10T00:00:00Z/P1D")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2 and "no rows" in result.stderr


def test_a_partial_result_prints_rows_and_the_error_and_exits_3(hunt_env):
    hunt_env.engine.max_rows = 1
    try:
        result = _hunt("5a1f0c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "--target", "emu", "--timespan", WINDOW)
    finally:
        hunt_env.engine.max_rows = 500_000
    assert result.exit_code == 3
    assert "alice@contoso.example" in result.stdout and "bob@" not in result.stdout
    assert "partial result" in result.stderr and "record count limit 1" in result.stderr


def test_throttling_is_retried_then_reported(hunt_env):
    hunt_env.faults.reconfigure(FaultConfig(error_rate=1.0, statuses=(429,), retry_after=0))
    result = _hunt("5a1f0c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "--target", "emu", "--timespan", WINDOW)
    assert result.exit_code == 1
    assert "throttled by the query API (HTTP 429, Retry-After 0 s) even after retrying" in result.stderr
    assert hunt_env.faults.stats[429] == 4  # the first try and three retries


def test_intermittent_throttling_is_ridden_out(hunt_env):
    hunt_env.faults.reconfigure(FaultConfig(error_rate=0.5, statuses=(429,), retry_after=0, seed=1))
    result = _hunt("--all", "--target", "emu", "--timespan", WINDOW, "--family", "activity")
    assert result.exit_code == 0, result.output
    assert hunt_env.faults.stats[429] >= 1


def test_the_services_errors_are_named(hunt_env):
    broken = _hunt("8d4c3f51-6e70-4192-9dae-3f4a5b6c7d8e", "--target", "emu", "--timespan", WINDOW)
    assert broken.exit_code == 1
    assert (
        "the service rejected the query: SemanticError: Failed to resolve table or column expression named "
        "'AIAppLogs_CL'" in broken.stderr
    )
    assert "Traceback" not in broken.output
    gone = _hunt("5a1f0c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "--target", "missing", "--timespan", WINDOW)
    assert gone.exit_code == 1 and "workspace 99999999-9999-4999-8999-999999999999 not found" in gone.stderr
    unknown = _hunt("5a1f0c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "--target", "nope")
    assert unknown.exit_code == 2 and "unknown target(s) nope (targets: emu, missing)" in unknown.stderr
    bad_span = _hunt("5a1f0c2e-3b4d-4e6f-8a9b-0c1d2e3f4a5b", "--target", "emu", "--timespan", "7 days")
    assert bad_span.exit_code == 2 and "--timespan '7 days'" in bad_span.stderr
    no_query = _hunt("no-such-query", "--target", "emu")
    assert no_query.exit_code == 2 and "no hunting query or rule with id or name 'no-such-query'" in no_query.stderr


class _ExpiredCredential:
    """Hands out a token the service does not (or no longer) accept."""

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken("emulator.expired-token", 4102444800)

    def close(self):
        pass


def test_a_refused_token_is_named_with_the_target_and_tenant(hunt_env):
    from sentinel_dac.hunt import WorkspaceLogs
    from sentinel_dac.hunt.errors import AuthFailed
    from sentinel_dac.targets import load_targets

    target = load_targets(PROJECT)["emu"]
    with WorkspaceLogs(target, credential=_ExpiredCredential()) as logs, pytest.raises(AuthFailed) as info:
        logs.query("AzureActivity", _window())
    message = str(info.value)
    assert (
        "target 'emu' (workspaces.yaml:3): cannot authenticate to tenant 00000000-0000-0000-0000-0000000000aa"
        in message
    )
    assert "az login --tenant" in message


def test_a_slow_service_times_out_with_a_message(hunt_env):
    hunt_env.faults.reconfigure(FaultConfig(latency_ms=(2500, 2500)))
    from sentinel_dac.hunt import WorkspaceLogs
    from sentinel_dac.hunt.errors import HuntError
    from sentinel_dac.targets import load_targets

    target = load_targets(PROJECT)["emu"]
    with (
        WorkspaceLogs(target, retry_total=0) as logs,
        pytest.raises(HuntError, match=r"no answer from .* --timeout 1s"),
    ):
        logs.query("AzureActivity", _window(), server_timeout=1, read_timeout=1)


def _window():
    from sentinel_dac.hunt import parse_timespan

    return parse_timespan(WINDOW)


def test_all_prints_a_summary_and_fails_when_one_query_fails(hunt_env):
    result = _hunt("--all", "--target", "emu", "--timespan", WINDOW)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0].split() == ["query", "rows", "status", "time"]
    assert "error in hunting/keyvault/broken.yaml: target 'emu'" in result.stdout
    runs = {
        r["name"]: r
        for r in json.loads(_hunt("--all", "--target", "emu", "--timespan", WINDOW, "--format", "json").stdout)
    }
    assert len(runs) == 4
    assert (
        runs["Cognitive Services management operations by caller"]["rows"],
        runs["Cognitive Services management operations by caller"]["status"],
    ) == (2, "rows")
    assert runs["Key Vault secret reads by caller"]["status"] == "empty"
    assert runs["Custom AI application prompts"]["status"] == "error"
    assert "AIAppLogs_CL" in runs["Custom AI application prompts"]["error"]


def test_a_rules_query_can_be_hunted_by_its_file(hunt_env, tmp_path):
    import shutil

    from helpers import rule_text

    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    rule = project / "detections" / "activity" / "keys.yaml"
    rule.parent.mkdir(parents=True)
    rule.write_text(
        rule_text(
            "AzureActivity\n| where OperationNameValue endswith 'LISTKEYS/ACTION'\n| project Caller, CallerIpAddress"
        )
    )
    result = CliRunner().invoke(
        main,
        ["--project", str(project), "hunt", str(rule), "--target", "emu", "--timespan", WINDOW, "--format", "csv"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["Caller,CallerIpAddress", "bob@contoso.example,203.0.113.11"]
