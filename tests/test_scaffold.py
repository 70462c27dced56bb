"""`sentinel-dac new rule|hunting|test`: valid stubs with fresh GUIDs that fail `check` until filled."""

from __future__ import annotations

import json
import uuid

from click.testing import CliRunner

from gitrepo import Repo, rule
from sentinel_dac.cli import main


def run(root, *args):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def test_new_rule_validates_and_check_fails_until_filled(tmp_path):
    repo = Repo(tmp_path)
    repo.write("sentinel-dac.yaml", "require_cases: true\n")
    result = run(repo.root, "new", "rule", "Key Vault purge spree", "--family", "keyvault", "--table", "AZKVAuditLogs")
    assert result.exit_code == 0, result.output
    stem = "detections/keyvault/key_vault_purge_spree"
    for suffix in (".yaml", ".meta.yaml", ".tests.yaml"):
        assert f"created {stem}{suffix}" in result.output
    assert "created detections/keyvault/samples/key_vault_purge_spree.AZKVAuditLogs.jsonl" in result.output
    assert "stubs must be filled in before `sentinel-dac check` passes" in result.output
    rule_id = result.output.split("id: ")[1].split()[0]
    assert str(uuid.UUID(rule_id)) == rule_id and rule_id in repo.read(f"{stem}.yaml")
    assert run(repo.root, "validate").exit_code == 0
    check = run(repo.root, "check")
    assert check.exit_code == 1 and "0 passed, 2 failed" in check.output
    test = run(repo.root, "test")
    assert "key_vault_purge_spree.AZKVAuditLogs.jsonl" in test.output and "DAC505" in test.output
    # with a recorded row the cases run: the stub query fires, so the positive case passes
    row = {"TimeGenerated": "2024-05-01T11:30:00Z", "OperationName": "VaultPurge"}
    repo.write("detections/keyvault/samples/key_vault_purge_spree.AZKVAuditLogs.jsonl", json.dumps(row) + "\n")
    test = run(repo.root, "test", "--format", "json")
    cases = {c["case"]: c["status"] for c in json.loads(test.output)["results"]}
    assert cases == {
        "TODO the attack this rule exists for raises an alert": "passed",
        "TODO ordinary activity raises nothing": "failed",
    }


def test_two_rules_get_different_ids_and_nothing_is_overwritten(tmp_path):
    repo = Repo(tmp_path)
    a = run(repo.root, "new", "rule", "One", "--family", "x")
    b = run(repo.root, "new", "rule", "Two", "--family", "x", "--kind", "NRT")
    assert a.exit_code == b.exit_code == 0
    assert a.output.split("id: ")[1].split()[0] != b.output.split("id: ")[1].split()[0]
    assert "queryFrequency" not in repo.read("detections/x/two.yaml")
    before = repo.read("detections/x/one.yaml")
    again = run(repo.root, "new", "rule", "One", "--family", "x")
    assert again.exit_code == 2 and "already exists; nothing was written" in again.output
    assert repo.read("detections/x/one.yaml") == before
    assert run(repo.root, "validate", "--no-kql").exit_code == 0


def test_new_hunting_and_bad_family(tmp_path):
    repo = Repo(tmp_path)
    result = run(repo.root, "new", "hunting", "Odd sign-ins", "--family", "identity", "--table", "SigninLogs")
    assert result.exit_code == 0 and "created hunting/identity/odd_sign_ins.yaml" in result.output
    assert run(repo.root, "validate").exit_code == 0
    bad = run(repo.root, "new", "rule", "X", "--family", "Bad Family")
    assert bad.exit_code == 2 and "lower-case letters, digits and dashes" in bad.output


def test_new_test_for_an_existing_rule(tmp_path):
    repo = Repo(tmp_path)
    repo.write("detections/kv/r.yaml", rule())
    result = run(repo.root, "new", "test", str(repo.root / "detections/kv/r.yaml"))
    assert result.exit_code == 0, result.output
    assert "created detections/kv/r.tests.yaml" in result.output
    assert "created detections/kv/samples/r.AZKVAuditLogs.jsonl" in result.output
    assert "kind: positive" in repo.read("detections/kv/r.tests.yaml")
    assert "kind: negative" in repo.read("detections/kv/r.tests.yaml")
    result = run(repo.root, "new", "test", str(repo.root / "sentinel-dac.yaml"))
    assert result.exit_code == 2 and "is not an analytics rule or hunting query" in result.output


def test_new_test_for_a_hunting_query_expects_rows_not_alerts(tmp_path):
    repo = Repo(tmp_path)
    run(repo.root, "new", "hunting", "Odd sign-ins", "--family", "identity", "--table", "SigninLogs")
    result = run(repo.root, "new", "test", str(repo.root / "hunting/identity/odd_sign_ins.yaml"))
    assert result.exit_code == 0, result.output
    tests = repo.read("hunting/identity/odd_sign_ins.tests.yaml")
    assert "result_count: 1" in tests and "alert_count" not in tests
    repo.write("hunting/identity/samples/odd_sign_ins.SigninLogs.jsonl", '{"TimeGenerated": "2024-05-01T11:00:00Z"}\n')
    res = run(repo.root, "test", "--format", "json")
    data = json.loads(res.output)
    assert data["hunting_queries"] == 1 and [r["status"] for r in data["results"]] == ["passed", "failed"]
