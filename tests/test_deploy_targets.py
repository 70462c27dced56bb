"""Several targets and tenants, doctor before any write, rule health, faults and interrupted applies."""

from __future__ import annotations

from datetime import UTC, datetime

from deploy_helpers import TARGETS, project_copy
from helpers import load
from sentinel_dac.deploy.plan import Action
from sentinel_dac.deploy.workflow import Options, run_targets
from sentinel_dac.targets import load_targets

RULE_ID = "4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c"


def _options(emu, **kw):
    opts = {"connection_verify": str(emu.ca_path), "polling_interval": 0, "retry_backoff_factor": 0.01}
    return Options(client_options=opts, **kw)


def _stored_rules(emu, ws_name):
    return [
        s
        for s in emu.state.store._items.values()
        if f"/workspaces/{ws_name}/" in s.path and "/alertrules/" in s.path.lower()
    ]


def test_two_targets_in_two_tenants_with_overrides(tmp_path, temu):
    root = project_copy(tmp_path)
    targets = load_targets(root)
    runs = run_targets(load(root), [targets["prod"], targets["partner"]], "apply", _options(temu, run_doctor=False))
    assert [r.ok for r in runs] == [True, True], [r.to_dict() for r in runs]
    prod = {s.body["properties"]["displayName"]: s.body["properties"] for s in _stored_rules(temu, "law-prod")}
    partner = {s.body["properties"]["displayName"]: s.body["properties"] for s in _stored_rules(temu, "law-partner")}
    name = "Key Vault secret read by a new caller"
    assert (prod[name]["enabled"], prod[name]["severity"]) == (True, "Medium")
    assert (partner[name]["enabled"], partner[name]["severity"]) == (False, "High")  # the partner's overrides
    # each workspace was reached with a token of its own tenant (the emulator refuses others with 401)
    assert {"00000000-0000-0000-0000-0000000000aa", "00000000-0000-0000-0000-0000000000bb"} <= temu.token_tenants()
    runs = run_targets(load(root), [targets["prod"], targets["partner"]], "plan", _options(temu, run_doctor=False))
    assert not any(r.plan.has_changes for r in runs)


def test_parameters_are_rendered_into_the_query_per_target(tmp_path, temu):
    targets = TARGETS.replace(
        "        4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c: {enabled: false, severity: High}",
        "        4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c: {parameters: {op: SecretList}}",
    )
    root = project_copy(tmp_path, targets)
    rule = root / "detections" / "kv" / "scheduled_full.yaml"
    rule.write_text(
        rule.read_text().replace(
            'query: |\n  AZKVAuditLogs\n  | where OperationName == "SecretGet"',
            'query: |\n  let op = "SecretGet";\n  AZKVAuditLogs\n  | where OperationName == op',
        )
    )
    (root / "detections" / "kv" / "scheduled_full.meta.yaml").write_text("family: kv\nparameters: [op]\n")
    t = load_targets(root)
    run_targets(load(root), [t["prod"], t["partner"]], "apply", _options(temu, run_doctor=False))
    queries = {
        ws: next(s.body["properties"]["query"] for s in _stored_rules(temu, ws) if s.body["kind"] == "Scheduled")
        for ws in ("law-prod", "law-partner")
    }
    assert 'let op = "SecretGet";' in queries["law-prod"]
    assert "let op = 'SecretList';" in queries["law-partner"]


def test_render_errors_name_the_targets_file_line(tmp_path, temu):
    import pytest

    from sentinel_dac.deploy.render import render_for_target
    from sentinel_dac.errors import DeployError

    targets = TARGETS.replace(
        "4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c: {enabled: false, severity: High}",
        "4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c: {parameters: {nope: 1}}\n        no-such-rule: {enabled: false}",
    )
    root = project_copy(tmp_path, targets)
    with pytest.raises(DeployError) as err:
        render_for_target(load(root), load_targets(root)["partner"])
    text = str(err.value)
    assert (
        "workspaces.yaml:16: DAC602 rule 'Key Vault secret read by a new caller' declares no parameter 'nope'" in text
    )
    assert "workspaces.yaml:17: DAC602 target 'partner' overrides rule 'no-such-rule'" in text


def test_doctor_catches_missing_column_and_basic_plan_before_any_write(tmp_path, temu):
    root = project_copy(tmp_path)
    nrt = root / "detections" / "kv" / "nrt_minimal.yaml"
    nrt.write_text(
        nrt.read_text().replace(
            '| where OperationNameValue =~ "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/WRITE"',
            '| where OperationNameValue =~ "MICROSOFT.COGNITIVESERVICES/ACCOUNTS/WRITE"\n'
            "  | join kind=inner (AzureDiagnostics | where ResourceProvider == 'MICROSOFT.KEYVAULT'"
            " | project Resource, requestUri_s) on $left.Resource == $right.Resource",
        )
    )
    targets = load_targets(root)
    temu.requests.clear()
    [run] = run_targets(load(root), [targets["dev"]], "apply", _options(temu))
    assert not run.ok and run.plan is None and run.report is None
    found = {(f.file, f.code) for f in run.doctor.findings if f.is_error}
    assert ("detections/kv/scheduled_full.yaml", "DAC612") in found  # AZKVAuditLogs is on the Basic plan
    assert ("detections/kv/nrt_minimal.yaml", "DAC611") in found
    column = next(f for f in run.doctor.findings if f.code == "DAC611")
    assert "requestUri_s" in column.message and "column_ifexists('requestUri_s', '')" in column.message
    assert column.line == 14  # the line of the column in the rule file
    assert not [r for r in temu.requests if r.method != "GET" and r.path.startswith("/subscriptions/")]


def test_doctor_reports_stale_tables_and_prerequisites(tmp_path, temu):
    root = project_copy(tmp_path)
    (root / "detections" / "kv" / "nrt_minimal.meta.yaml").write_text(
        "prerequisites:\n  - AzureActivity from every subscription\n  - APIM LLM logging on\n"
    )
    [run] = run_targets(load(root), [load_targets(root)["prod"]], "doctor", _options(temu))
    stale = {(f.file, f.code, f.level.value) for f in run.doctor.findings}
    assert ("detections/kv/nrt_minimal.yaml", "DAC613", "warning") in stale
    assert any("APIM LLM logging on" in n for n in run.doctor.notes)
    assert run.ok  # warnings only
    ws = temu.state.workspaces[0]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    temu.add_rows(ws, "AzureActivity", [{"TimeGenerated": now, "OperationNameValue": "x"}])
    [run] = run_targets(load(root), [load_targets(root)["prod"]], "doctor", _options(temu))
    assert "detections/kv/nrt_minimal.yaml" not in {f.file for f in run.doctor.findings if f.code == "DAC613"}


def test_auto_disabled_and_failing_rules_are_drift(tmp_path, temu):
    root = project_copy(tmp_path)
    targets = load_targets(root)
    run_targets(load(root), [targets["prod"]], "apply", _options(temu, run_doctor=False))
    rules = {s.body["kind"]: s for s in _stored_rules(temu, "law-prod")}
    sched = rules["Scheduled"]
    props = sched.body["properties"]
    props["displayName"] = "AUTO DISABLED " + props["displayName"]
    props["enabled"] = False
    ws = temu.state.workspaces[1]  # law-dev has SentinelHealth; use a target on it
    [run] = run_targets(load(root), [targets["prod"]], "plan", _options(temu, run_doctor=False))
    drifted = {c.name: c.reason for c in run.plan.changes if c.action is Action.DRIFTED}
    assert drifted == {sched.name: "auto-disabled by Sentinel"}
    # law-prod has no SentinelHealth table (health monitoring off): said, not failed
    assert [n.startswith("rule health not read from SentinelHealth") for n in run.plan.health] == [True]
    # SentinelHealth failures of an unchanged rule (law-dev has the health table)
    run_targets(load(root), [targets["dev"]], "apply", _options(temu, run_doctor=False))
    dev_rules = {s.body["kind"]: s for s in _stored_rules(temu, "law-dev")}
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    temu.add_rows(
        ws,
        "SentinelHealth",
        [
            {
                "TimeGenerated": now,
                "OperationName": "Scheduled analytics rule run",
                "SentinelResourceId": dev_rules["NRT"].path,
                "SentinelResourceName": "x",
                "Status": "Failure",
                "Description": "The query was blocked",
                "SentinelResourceType": "Analytics Rule",
            }
        ],
    )
    [run] = run_targets(load(root), [targets["dev"]], "plan", _options(temu, run_doctor=False))
    drifted = {c.name: c.reason for c in run.plan.changes if c.action is Action.DRIFTED}
    assert list(drifted) == [dev_rules["NRT"].name]
    assert "1 failed run(s) in SentinelHealth" in drifted[dev_rules["NRT"].name]
    assert "The query was blocked" in drifted[dev_rules["NRT"].name]
