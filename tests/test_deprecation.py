"""Deprecation: validate refuses a new rule on a deprecated id; deploy sends deprecated rules disabled."""

from __future__ import annotations

from click.testing import CliRunner

from gitrepo import RULE_A, Repo, rule
from sentinel_dac.cli import main
from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.deploy import Kind, Placement, WorkspaceRef, build_objects
from sentinel_dac.deploy.rules import rule_object

RULE = "detections/kv/rule.yaml"
META = "detections/kv/rule.meta.yaml"
DEPRECATED = "deprecated:\n  date: 2026-01-15\n  reason: superseded by the token burst rule\n"


def run(repo: Repo, *args: str):
    return CliRunner().invoke(main, ["--project", str(repo.root), *args])


def test_validate_refuses_a_new_rule_on_a_deprecated_id(tmp_path):
    repo = Repo(tmp_path)
    repo.write(RULE, rule())
    repo.write(META, DEPRECATED)
    assert run(repo, "version", "lock").exit_code == 0
    repo.remove(RULE)
    repo.remove(META)
    repo.write("detections/kv/fresh.yaml", rule(RULE_A, name="Fresh"))
    result = run(repo, "validate", "--no-kql")
    assert result.exit_code == 1
    assert "detections/kv/fresh.yaml:1:5: DAC803" in result.output
    assert "deprecated on 2026-01-15" in result.output and "fresh GUID" in result.output


def test_deprecated_rule_kept_in_place_validates(tmp_path):
    repo = Repo(tmp_path)
    repo.write(RULE, rule())
    repo.write(META, DEPRECATED)
    assert run(repo, "version", "lock").exit_code == 0
    result = run(repo, "validate", "--no-kql")
    assert result.exit_code == 0, result.output


def test_deprecated_rule_is_deployed_disabled(tmp_path):
    repo = Repo(tmp_path)
    repo.write(RULE, rule())
    project = load_project(load_config(repo.root))
    assert rule_object(project.rules[0]).body["properties"]["enabled"] is True
    repo.write(META, DEPRECATED)
    project = load_project(load_config(repo.root))
    assert rule_object(project.rules[0]).body["properties"]["enabled"] is False


def test_deprecated_rules_config_disable_or_remove(tmp_path):
    repo = Repo(tmp_path)
    repo.write(RULE, rule())
    repo.write(META, DEPRECATED)
    repo.write("detections/kv/live.yaml", rule("0c9a8b7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", name="Live"))
    ws = Placement.of(WorkspaceRef("00000000-0000-0000-0000-000000000000", "rg", "ws"))

    def rules(config: str) -> dict[str, bool]:
        repo.write("sentinel-dac.yaml", config)
        objs = build_objects(load_project(load_config(repo.root)), ws)
        kinds = (Kind.SCHEDULED_RULE, Kind.NRT_RULE)
        return {o.title: o.body["properties"]["enabled"] for o in objs if o.kind in kinds}

    assert rules("require_cases: false\n") == {"Test rule": False, "Live": True}
    assert rules("deprecated_rules: disable\n") == {"Test rule": False, "Live": True}
    assert rules("deprecated_rules: remove\n") == {"Live": True}
    repo.write("sentinel-dac.yaml", "deprecated_rules: delete\n")
    result = run(repo, "validate")
    assert result.exit_code == 1 and "deprecated_rules must be disable or remove" in result.output


def test_validate_goes_on_when_the_lock_is_broken(tmp_path):
    """A conflicted or garbled lock is `version check`'s to report; validate still checks content."""
    repo = Repo(tmp_path)
    repo.write(RULE, rule())
    repo.write("sentinel-dac.lock.json", "{garbage")
    result = run(repo, "validate", "--no-kql")
    assert result.exit_code == 0, result.output
    check = run(repo, "version", "check")
    assert check.exit_code == 1 and "not valid JSON" in check.output


def test_deprecated_rule_through_plan_and_apply(tmp_path, temu):
    """End to end on the emulator: disabled by apply; with `remove`, the plan deletes it."""
    import json

    from deploy_helpers import project_copy

    root = project_copy(tmp_path)
    (root / "detections/kv/nrt_minimal.meta.yaml").write_text(DEPRECATED)

    def cli(*args):
        return CliRunner().invoke(main, ["--project", str(root), *args])

    assert cli("apply", "--target", "prod").exit_code == 0
    nrt = [
        i
        for i in temu.state.store._items.values()
        if "/alertrules/" in i.path.lower() and '"NRT"' in json.dumps(i.body)
    ]
    assert len(nrt) == 1 and nrt[0].body["properties"]["enabled"] is False
    (root / "sentinel-dac.yaml").write_text("require_cases: false\ndeprecated_rules: remove\n")
    result = cli("plan", "--target", "prod", "--no-doctor", "--format", "json")
    changes = json.loads(result.output)["targets"][0]["plan"]["changes"]
    assert [(c["action"], c["kind"]) for c in changes] == [("delete", "nrt-rule")]


HUNT = """id: 5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d
name: Old hunt
description: Looks for an old thing.
tactics: [Discovery]
relevantTechniques: [T1087]
query: |
  AZKVAuditLogs | take 10
"""


def test_deprecated_hunting_query_is_marked_or_removed(tmp_path):
    """A saved search has no enabled flag: a deprecated hunt says so in its name and description, or goes."""
    repo = Repo(tmp_path)
    repo.write("hunting/kv/old.yaml", HUNT)
    repo.write("hunting/kv/old.meta.yaml", DEPRECATED)
    ws = Placement.of(WorkspaceRef("00000000-0000-0000-0000-000000000000", "rg", "ws"))

    def hunts(config: str) -> list[dict]:
        repo.write("sentinel-dac.yaml", config)
        objs = build_objects(load_project(load_config(repo.root)), ws)
        return [o.body["properties"] for o in objs if o.kind is Kind.HUNTING_QUERY]

    [props] = hunts("require_cases: false\n")
    assert props["displayName"] == "[Deprecated] Old hunt"
    tags = {t["name"]: t["value"] for t in props["tags"]}
    assert tags["description"].startswith("Deprecated 2026-01-15: superseded by the token burst rule")
    assert tags["description"].endswith("Looks for an old thing.")
    assert hunts("require_cases: false\ndeprecated_rules: remove\n") == []
    repo.remove("hunting/kv/old.meta.yaml")
    [props] = hunts("require_cases: false\n")
    assert props["displayName"] == "Old hunt"
