"""The doctor / plan / apply / prune / test --target commands, end to end against the emulator."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from deploy_helpers import TARGETS, project_copy
from helpers import repo_subset
from sentinel_dac.cli import main


def _cli(root, *args):
    return CliRunner().invoke(main, ["--project", str(root), *args], catch_exceptions=False)


def test_plan_apply_plan_exit_codes_and_json(tmp_path, temu):
    root = project_copy(tmp_path)
    result = _cli(root, "plan", "--target", "prod", "--detailed-exitcode", "--no-doctor")
    assert result.exit_code == 2, result.output
    assert "6 create" in result.output and "+ create    scheduled-rule" in result.output
    result = _cli(root, "apply", "--target", "prod", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["targets"][0]["apply"]["counts"] == {"created": 6}
    result = _cli(root, "plan", "--all", "--detailed-exitcode", "--no-doctor", "--format", "json")
    plans = {t["target"]: t["plan"] for t in json.loads(result.output)["targets"]}
    assert result.exit_code == 2  # partner and dev still need everything
    assert plans["prod"]["counts"]["unchanged"] == 6 and plans["prod"]["changes"] == []
    result = _cli(root, "plan", "--target", "prod", "--detailed-exitcode", "--no-doctor")
    assert result.exit_code == 0, result.output


def test_prune_removes_only_ours(tmp_path, temu):
    root = project_copy(tmp_path)
    assert _cli(root, "apply", "--target", "prod").exit_code == 0
    shutil.rmtree(root / "workbooks")
    result = _cli(root, "prune", "--target", "prod")
    assert result.exit_code == 0, result.output
    assert "1 deleted" in result.output
    assert not [s for s in temu.state.store._items.values() if "/workbooks/" in s.path.lower()]


def test_doctor_exit_status_and_bad_targets(tmp_path, temu):
    root = project_copy(tmp_path)
    result = _cli(root, "doctor", "--target", "dev")
    assert result.exit_code == 1
    assert "DAC612" in result.output and "AZKVAuditLogs" in result.output
    result = _cli(root, "apply", "--target", "dev")
    assert result.exit_code == 1 and not [r for r in temu.requests if r.method == "PUT"]
    assert _cli(root, "plan", "--target", "nope").exit_code == 2
    (root / "workspaces.yaml").write_text(TARGETS.replace("workspace: law-prod", "workspace: l"))
    result = CliRunner().invoke(main, ["--project", str(root), "plan", "--all"])
    assert result.exit_code == 1 and "workspaces.yaml:6:" in result.output and "Traceback" not in result.output


def test_cases_run_against_the_rendered_rule(tmp_path):
    """A target's threshold goes into the query the test cases run: the positive case no longer fires."""
    root = repo_subset(tmp_path / "p", "detections/keyvault/kv_mass_secret_read.*", "detections/keyvault/samples")
    meta = root / "detections" / "keyvault" / "kv_mass_secret_read.meta.yaml"
    meta.write_text(meta.read_text() + "parameters: [DistinctSecretThreshold]\n")
    (root / "workspaces.yaml").write_text(
        TARGETS.replace(
            "        4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c: {enabled: false, severity: High}",
            "        Key Vault mass secret read: {parameters: {DistinctSecretThreshold: 100000}}",
        )
    )
    rule_name = next(
        line.split(":", 1)[1].strip()
        for line in (root / "detections/keyvault/kv_mass_secret_read.yaml").read_text().splitlines()
        if line.startswith("name:")
    )
    text = (root / "workspaces.yaml").read_text().replace("Key Vault mass secret read", rule_name)
    (root / "workspaces.yaml").write_text(text)
    assert _cli(root, "test").exit_code == 0
    assert _cli(root, "test", "--target", "prod").exit_code == 0  # prod: no override, defaults
    result = _cli(root, "test", "--target", "partner")
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output.upper()


def test_plan_as_markdown_for_pull_requests(tmp_path, temu):
    root = project_copy(tmp_path)
    rule = root / "detections" / "kv" / "scheduled_full.yaml"
    assert _cli(root, "apply", "--target", "prod").exit_code == 0
    rule.write_text(rule.read_text().replace("severity: Medium", "severity: High"))
    result = _cli(root, "plan", "--target", "prod", "--format", "md", "--no-doctor")
    assert result.exit_code == 0
    assert "### prod (`law-prod`)" in result.output
    assert (
        "| ~ | update | scheduled-rule | Key Vault secret read by a new caller | properties.severity |" in result.output
    )
