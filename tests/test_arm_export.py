"""ARM export: deployable templates, dependency order, bodies checked against Microsoft's specs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from click.testing import CliRunner

from helpers import DEPLOY_PROJECT, REPO_ROOT, load, valid_rule_text
from sentinel_dac.cli import main
from sentinel_dac.deploy.arm import MANIFEST, PLACEMENT, arm_templates, escape_expressions
from sentinel_dac.deploy.mapping import build_objects
from sentinel_dac.emulator.openapi import validate_body

SPEC_OF_TYPE = {
    "Microsoft.OperationalInsights/workspaces/providers/alertRules": "alertRules",
    "Microsoft.OperationalInsights/workspaces/savedSearches": "savedSearches",
    "Microsoft.OperationalInsights/workspaces/providers/watchlists": "watchlists",
    "Microsoft.Insights/workbooks": "workbooks",
}


def _export(tmp_path, *args, project=DEPLOY_PROJECT):
    return CliRunner().invoke(
        main, ["--project", str(project), "export", "--format", "arm", "--out", str(tmp_path), *args]
    )


def _request_body(resource: dict) -> dict:
    """What ARM sends to the resource provider for a template resource."""
    body = {k: v for k, v in resource.items() if k in ("kind", "location", "properties", "etag")}
    if resource["type"].endswith("savedSearches"):
        body["properties"] = {k: v for k, v in body["properties"].items() if k != "etag"}  # ARM-template overwrite flag
    return body


def test_combined_template_is_ordered_and_matches_the_specs(tmp_path):
    result = _export(tmp_path)
    assert result.exit_code == 0, result.output
    template = json.loads((tmp_path / "azuredeploy.json").read_text())
    assert template["parameters"]["workspace"]["type"] == "string"
    resources = template["resources"]
    assert len(resources) == 6
    for res in resources:
        problems = validate_body(SPEC_OF_TYPE[res["type"]], res["apiVersion"], _request_body(res))
        assert problems == [], (res["type"], problems)
    names = [r["name"] for r in resources]
    hunting = next(r for r in resources if r["type"].endswith("savedSearches") and "Hunting" in json.dumps(r))
    assert len(hunting["dependsOn"]) == 2
    for dep in hunting["dependsOn"]:  # every dependency is declared earlier in the same template
        target = dep.split("'")[-2]
        assert any(target in n for n in names[: names.index(hunting["name"])])
    api = {r["type"]: r["apiVersion"] for r in resources if r.get("kind") != "NRT"}
    assert api["Microsoft.OperationalInsights/workspaces/providers/alertRules"] == "2025-09-01"
    assert next(r for r in resources if r.get("kind") == "NRT")["apiVersion"] == "2025-07-01-preview"
    workbook = next(r for r in resources if r["type"] == "Microsoft.Insights/workbooks")
    assert workbook["properties"]["sourceId"] == PLACEMENT.source_id
    assert workbook["location"] == "[parameters('workspace-location')]"
    saved = [r for r in resources if r["type"].endswith("savedSearches")]
    assert all(r["properties"]["etag"] == "*" for r in saved)


def test_per_item_layout_for_sentinel_repositories(tmp_path):
    result = _export(tmp_path, "--layout", "per-item")
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json") if p.name != MANIFEST)
    assert files == [
        "analytics-rules/nrt_minimal.json",
        "analytics-rules/scheduled_full.json",
        "hunting-queries/h1.json",
        "parsers/kvparser.json",
        "watchlists/watchlist.json",
        "workbooks/overview.json",
    ]
    for f in files:
        template = json.loads((tmp_path / f).read_text())
        assert len(template["resources"]) == 1 and "dependsOn" not in template["resources"][0]


def test_re_export_removes_only_what_it_wrote(tmp_path):
    assert _export(tmp_path, "--layout", "per-item").exit_code == 0
    (tmp_path / "hunting-queries" / "mine.txt").write_text("not ours")
    assert _export(tmp_path).exit_code == 0  # switch layout: the per-item files go, ours only
    left = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert left == [MANIFEST, "azuredeploy.json", "hunting-queries/mine.txt"]


def test_a_foreign_folder_is_refused(tmp_path):
    (tmp_path / "notes.md").write_text("someone else's")
    result = _export(tmp_path)
    assert result.exit_code == 1 and "not empty and holds no previous export" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.md"]


def test_an_invalid_project_writes_nothing(tmp_path, make_project):
    root = make_project({"detections/x/bad.yaml": valid_rule_text().replace("severity: Medium", "severity: Huge")})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--project", str(root), "export", "--out", str(out)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.output and "DAC213" in result.output and "nothing written" in result.output
    assert not out.exists()


def test_strings_that_look_like_expressions_are_escaped():
    assert escape_expressions({"a": "[Preview] rule]", "b": ["[x]"], "c": "[not closed"}) == {
        "a": "[[Preview] rule]",
        "b": ["[[x]"],
        "c": "[not closed",
    }
    project = load(DEPLOY_PROJECT)
    project.rules[0].name = "[Preview] Secret reads]"
    files = arm_templates(build_objects(project, PLACEMENT))
    rule = next(r for r in files["azuredeploy.json"]["resources"] if r.get("kind") == project.rules[0].kind)
    assert rule["properties"]["displayName"] == "[[Preview] Secret reads]"


def test_emulate_command_serves_and_prints_its_settings(tmp_path):
    """`sentinel-dac emulate` as a user runs it: a process that prints how to reach it."""
    from helpers import EMULATOR_WORKSPACES
    from sentinel_dac.deploy.clients import make_clients, put
    from sentinel_dac.deploy.objects import Placement, WorkspaceRef

    cmd = [sys.executable, "-m", "sentinel_dac", "emulate", "--workspaces", str(EMULATOR_WORKSPACES)]
    cmd += ["--format", "json", "--cert-dir", str(tmp_path), "--page-size", "10"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    try:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        info = json.loads(line)
        assert info["url"].startswith("https://127.0.0.1:") and info["env"]["REQUESTS_CA_BUNDLE"] == info["ca_bundle"]
        assert os.path.isfile(info["ca_bundle"])
        from azure.identity import ClientSecretCredential

        env = info["env"]
        cred = ClientSecretCredential(
            env["AZURE_TENANT_ID"],
            env["AZURE_CLIENT_ID"],
            env["AZURE_CLIENT_SECRET"],
            authority=env["AZURE_AUTHORITY_HOST"],
            disable_instance_discovery=True,
            connection_verify=info["ca_bundle"],
        )
        w = info["workspaces"][0]
        ws = WorkspaceRef(w["subscription"], w["resourceGroup"], w["name"])
        clients = make_clients(
            cred, ws.subscription_id, env["SENTINEL_DAC_ARM_ENDPOINT"], connection_verify=info["ca_bundle"]
        )
        rule = next(o for o in build_objects(load(DEPLOY_PROJECT), Placement.of(ws)) if o.kind == "scheduled-rule")
        assert put(clients, ws, rule)["name"] == rule.name
    finally:
        proc.terminate()
        deadline = time.time() + 10
        while proc.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
