"""Deprecation: validate refuses a new rule on a deprecated id; deploy sends deprecated rules disabled."""

from __future__ import annotations

from click.testing import CliRunner

from gitrepo import RULE_A, Repo, rule
from sentinel_dac.cli import main
from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
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
