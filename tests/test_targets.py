"""Targets file (workspaces.yaml): loading, errors with file:line, selection, credentials per tenant."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel_dac.errors import ConfigError, UsageError
from sentinel_dac.targets import CLOUDS, load_targets, select_targets

GOOD = """\
targets:
  prod:
    tenant: 00000000-0000-0000-0000-0000000000AA
    subscription: 11111111-1111-4111-8111-111111111111
    resourceGroup: rg-sec
    workspace: law-prod
    workspaceId: 22222222-2222-4222-8222-222222222222
    content:
      families: [openai]
      exclude: ["detections/openai/old_*"]
    overrides:
      parameters: {threshold: 100}
      rules:
        7D2F5C1E-0B3A-4C6D-9E8F-1A2B3C4D5E6F: {enabled: false, severity: High, parameters: {threshold: 5}}
  gov:
    tenant: 00000000-0000-0000-0000-0000000000bb
    subscription: 44444444-4444-4444-8444-444444444444
    resourceGroup: rg-gov
    workspace: law-gov
    workspaceId: 55555555-5555-4555-8555-555555555555
    cloud: AzureUSGovernment
    content:
      include: [detections/keyvault]
  custom:
    tenant: 00000000-0000-0000-0000-0000000000cc
    subscription: 66666666-6666-4666-8666-666666666666
    resourceGroup: rg-c
    workspace: law-c
    workspaceId: 77777777-7777-4777-8777-777777777777
    cloud: {arm: "https://arm.example.com/", authority: "https://login.example.com"}
"""


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "workspaces.yaml").write_text(text)
    return tmp_path


def test_targets_load_with_clouds_selection_and_overrides(tmp_path):
    targets = load_targets(_write(tmp_path, GOOD))
    assert list(targets) == ["prod", "gov", "custom"]
    prod, gov, custom = targets.values()
    assert prod.tenant_id == "00000000-0000-0000-0000-0000000000aa"  # GUIDs compared lower-case
    assert prod.workspace_resource_id == (
        "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-sec"
        "/providers/Microsoft.OperationalInsights/workspaces/law-prod"
    )
    assert prod.cloud is CLOUDS["AzurePublic"] and gov.cloud is CLOUDS["AzureUSGovernment"]
    assert gov.arm_endpoint({}) == "https://management.usgovcloudapi.net"
    assert (
        custom.arm_endpoint({}) == "https://arm.example.com"
        and custom.authority_host({}) == "https://login.example.com"
    )
    assert prod.overrides.parameters == {"threshold": 100}
    rule = prod.overrides.rules["7d2f5c1e-0b3a-4c6d-9e8f-1a2b3c4d5e6f"]
    assert (rule.enabled, rule.severity, dict(rule.parameters)) == (False, "High", {"threshold": 5})
    assert rule.pos.line == 14
    assert prod.line == 2 and gov.line == 15


def test_selection_by_family_glob_and_exclusion(tmp_path):
    prod, gov, custom = load_targets(_write(tmp_path, GOOD)).values()
    assert prod.selection.selects("detections/openai/burst.yaml", "openai")
    assert not prod.selection.selects("detections/openai/old_burst.yaml", "openai")  # exclude wins
    assert not prod.selection.selects("detections/keyvault/kv.yaml", "keyvault")
    assert gov.selection.selects("detections/keyvault/kv.yaml", None)  # a folder selects what is under it
    assert not gov.selection.selects("detections/openai/burst.yaml", "openai")
    assert custom.selection.selects("anything.yaml", None)  # no selection: everything


def test_environment_overrides_point_a_target_at_the_emulator(tmp_path):
    prod = load_targets(_write(tmp_path, GOOD))["prod"]
    env = {
        "SENTINEL_DAC_ARM_ENDPOINT": "https://127.0.0.1:8443/",
        "SENTINEL_DAC_LOGS_ENDPOINT": "https://127.0.0.1:8443/v1",
        "AZURE_AUTHORITY_HOST": "https://127.0.0.1:8443",
    }
    assert prod.arm_endpoint(env) == "https://127.0.0.1:8443"
    assert prod.logs_endpoint(env) == "https://127.0.0.1:8443/v1"
    assert prod.authority_host(env) == "https://127.0.0.1:8443"
    assert prod.logs_endpoint({}) == "https://api.loganalytics.io/v1"


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        (("workspaceId: 22222222-2222-4222-8222-222222222222", "workspaceId: nope"), ("7", "'nope' is not a GUID")),
        (("cloud: AzureUSGovernment", "cloud: Mars"), ("21", "cloud must be")),
        (("    resourceGroup: rg-gov\n", ""), ("15", "resourceGroup")),
        (("severity: High", "severity: Urgent"), ("14", "severity 'Urgent'")),
        (("workspace: law-gov", "workspace: law-prod\n    workspacee: x"), ("20", "workspacee")),
        (("threshold: 100", "threshold: [1]"), ("12", "parameters.threshold")),
    ],
)
def test_bad_targets_name_file_line_and_field(tmp_path, replace, expected):
    old, new = replace
    assert old in GOOD
    with pytest.raises(ConfigError) as err:
        load_targets(_write(tmp_path, GOOD.replace(old, new)))
    line, words = expected
    assert f"workspaces.yaml:{line}:" in str(err.value) and words in str(err.value)
    assert "DAC601" in str(err.value)


def test_two_targets_on_one_workspace_are_refused(tmp_path):
    text = GOOD.replace("workspace: law-gov", "workspace: law-prod").replace(
        "subscription: 44444444-4444-4444-8444-444444444444\n    resourceGroup: rg-gov",
        "subscription: 11111111-1111-4111-8111-111111111111\n    resourceGroup: rg-sec",
    )
    with pytest.raises(ConfigError, match=r"workspaces.yaml:19:.*same workspace as target 'prod'"):
        load_targets(_write(tmp_path, text))


def test_missing_file_duplicate_key_and_missing_watchlist_csv(tmp_path):
    with pytest.raises(ConfigError, match=r"workspaces\.yaml: no targets file"):
        load_targets(tmp_path)
    with pytest.raises(ConfigError, match=r"workspaces.yaml:15:.*DAC103"):
        load_targets(_write(tmp_path, GOOD.replace("  gov:", "  prod:")))
    text = GOOD.replace("      parameters: {threshold: 100}\n", "      watchlists: {HighValueVaults: lists/prod.csv}\n")
    with pytest.raises(ConfigError, match=r"workspaces.yaml:12:.*'lists/prod.csv' does not exist"):
        load_targets(_write(tmp_path, text))


def test_select_targets(tmp_path):
    targets = load_targets(_write(tmp_path, GOOD))
    assert [t.name for t in select_targets(targets, [], all_=True)] == ["prod", "gov", "custom"]
    assert [t.name for t in select_targets(targets, ["gov", "gov"])] == ["gov"]
    with pytest.raises(UsageError, match="unknown target"):
        select_targets(targets, ["nope"])
    with pytest.raises(UsageError, match="--all"):
        select_targets(targets, [])


def test_credential_gets_tokens_of_each_targets_tenant(tmp_path, monkeypatch):
    """One login, two tenants: each target's token is issued by its own tenant's authority."""
    from helpers import TARGETS_EMULATOR
    from sentinel_dac.emulator import Emulator, load_workspaces

    with Emulator(load_workspaces(TARGETS_EMULATOR), cert_dir=tmp_path / "ca") as emu:
        for key, value in emu.env().items():
            monkeypatch.setenv(key, value)
        targets = load_targets(_write(tmp_path, GOOD))
        a = targets["prod"].credential().get_token("https://management.azure.com/.default").token
        b = targets["gov"].credential().get_token("https://management.azure.com/.default").token
        assert emu.token_tenant("Bearer " + a) == "00000000-0000-0000-0000-0000000000aa"
        assert emu.token_tenant("Bearer " + b) == "00000000-0000-0000-0000-0000000000bb"
        # ARM refuses a token of the wrong tenant, as Azure does
        assert emu.wrong_tenant("Bearer " + b, "/subscriptions/11111111-1111-4111-8111-111111111111/x")
        assert emu.wrong_tenant("Bearer " + a, "/subscriptions/11111111-1111-4111-8111-111111111111/x") is None


def test_the_shipped_example_targets_file_is_valid(tmp_path):
    import shutil

    from helpers import REPO_ROOT

    shutil.copy(REPO_ROOT / "workspaces.example.yaml", tmp_path / "workspaces.yaml")
    targets = load_targets(tmp_path)
    assert list(targets) == ["prod", "pilot"]
    assert targets["pilot"].overrides.enabled is False and targets["pilot"].selection.families == ("openai", "keyvault")
