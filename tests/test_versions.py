"""Version lock, `version check/bump/lock`: each rule against a base commit in a temporary git repo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gitrepo import RULE_A, RULE_B, Repo, rule
from sentinel_dac.cli import main
from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.lifecycle.git import GitError, export_tree
from sentinel_dac.lifecycle.lock import LOCK_NAME, read_lock
from sentinel_dac.lifecycle.logic import normalise_query
from sentinel_dac.lifecycle.versions import bump_versions, check_versions

RULE = "detections/kv/rule.yaml"


def run(root: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def codes(root: Path, base: str | None = None) -> list[str]:
    result = check_versions(load_project(load_config(root)), base)
    return [f.code for f in result.findings]


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    """Commit 1: one rule at 1.0.0 and its lock."""
    r = Repo(tmp_path / "repo")
    r.write(RULE, rule())
    assert run(r.root, "version", "lock").exit_code == 0
    r.commit("one rule")
    return r


# --- logic normalisation ------------------------------------------------------


def test_comments_and_whitespace_are_not_logic():
    a = "T\n| where x == 1 // threshold\n| project  a,b"
    b = "// header\nT | where x==1\n    | project a, b\n"
    assert normalise_query(a) == normalise_query(b) == "T|where x==1|project a,b"


def test_string_literals_keep_their_spaces_and_slashes():
    q = "T | where Url has 'http://a  b' | where P == @\"c:\\x  ''\" | extend s=```two  // spaces```"
    out = normalise_query(q)
    assert "'http://a  b'" in out
    assert "@\"c:\\x  ''\"" in out
    assert "```two  // spaces```" in out
    assert normalise_query("T | where a == 'x'") != normalise_query("T | where a == 'x '")


def test_word_boundaries_are_kept():
    assert normalise_query("T | where a  and  b") == "T|where a and b"
    assert normalise_query("T | where a and b") != normalise_query("T | where aand b")


# --- check against the lock ---------------------------------------------------


def test_clean_repo_passes(repo: Repo):
    assert codes(repo.root) == []
    result = run(repo.root, "version", "check")
    assert result.exit_code == 0, result.output
    assert "version check: ok -- 1 rules" in result.output


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("name: Test rule", "name: Renamed rule"),
        ("  - CredentialAccess", "  - CredentialAccess\n  - Collection"),
        ("triggerOperator: gt", "triggerOperator: GreaterThan"),
        ("queryPeriod: 1h", "queryPeriod: 01:00:00"),
    ],
    ids=["name", "tactics", "operator-spelling", "timespan-spelling"],
)
def test_metadata_and_spelling_are_not_logic(repo: Repo, old: str, new: str):
    repo.write(RULE, repo.read(RULE).replace(old, new))
    assert "DAC800" not in codes(repo.root)


def test_entities_and_custom_details_are_logic(repo: Repo):
    extra = (
        "entityMappings:\n  - entityType: IP\n    fieldMappings:\n"
        "      - identifier: Address\n        columnName: CallerIpAddress\n"
    )
    repo.write(RULE, repo.read(RULE).replace("version: 1.0.0", extra + "version: 1.0.0"))
    assert "DAC800" in codes(repo.root)
    repo.write(RULE, rule().replace("version: 1.0.0", "customDetails:\n  Ip: CallerIpAddress\nversion: 1.0.0"))
    assert "DAC800" in codes(repo.root)


def test_cosmetic_edit_needs_no_bump(repo: Repo):
    text = repo.read(RULE).replace("A rule for engine tests.", "A clearer description.")
    text = text.replace("query: |\n", "query: |\n  // why this rule exists\n")
    repo.write(RULE, text.replace("queryFrequency: 1h", "queryFrequency: PT1H"))
    assert codes(repo.root) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("SecretGet'", "SecretList'"),
        ("triggerThreshold: 0", "triggerThreshold: 5"),
        ("queryPeriod: 1h", "queryPeriod: 2h"),
        ("severity: Medium", "severity: High"),
    ],
    ids=["query", "trigger", "period", "severity"],
)
def test_logic_change_without_bump_fails_with_the_fix(repo: Repo, old: str, new: str):
    repo.write(RULE, repo.read(RULE).replace(old, new))
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert f"{RULE}:" in result.output and "DAC800" in result.output
    assert "run `sentinel-dac version bump`" in result.output


def test_bump_raises_the_version_keeps_layout_and_relocks(repo: Repo):
    text = repo.read(RULE).replace("SecretGet'", "SecretList'")
    repo.write(RULE, "# keep this comment\n" + text)
    result = run(repo.root, "version", "bump")
    assert result.exit_code == 0, result.output
    assert f"{RULE}: version 1.0.0 -> 1.0.1" in result.output
    after = repo.read(RULE)
    assert after.startswith("# keep this comment\n") and "version: 1.0.1\n" in after
    assert after.replace("version: 1.0.1", "version: 1.0.0") == "# keep this comment\n" + text
    assert read_lock(repo.root / LOCK_NAME).entries[RULE_A].version == "1.0.1"
    assert codes(repo.root) == []


def test_bump_part_minor(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace("SecretGet'", "SecretList'"))
    assert run(repo.root, "version", "bump", "--part", "minor").exit_code == 0
    assert "version: 1.1.0" in repo.read(RULE)


def test_bumped_version_without_relock_is_a_stale_lock(repo: Repo):
    text = repo.read(RULE).replace("SecretGet'", "SecretList'").replace("version: 1.0.0", "version: 1.0.1")
    repo.write(RULE, text)
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert "DAC804" in result.output and "version, logic changed" in result.output
    assert "run `sentinel-dac version lock`" in result.output
    assert run(repo.root, "version", "lock").exit_code == 0
    assert codes(repo.root) == []


def test_lock_refuses_to_hide_an_unbumped_change(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace("SecretGet'", "SecretList'"))
    before = repo.read(LOCK_NAME)
    result = run(repo.root, "version", "lock")
    assert result.exit_code == 1
    assert "DAC800" in result.output and "version bump" in result.output
    assert repo.read(LOCK_NAME) == before


def test_version_going_down_fails(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace("version: 1.0.0", "version: 0.9.0"))
    assert "DAC801" in codes(repo.root)


def test_new_rule_merged_makes_the_lock_stale_and_lock_fixes_it(repo: Repo):
    repo.write("detections/kv/other.yaml", rule(RULE_B, name="Other rule"))
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert "new detections/kv/other.yaml" in result.output
    assert "run `sentinel-dac version lock`" in result.output
    assert run(repo.root, "version", "lock").exit_code == 0
    assert codes(repo.root) == []


def test_missing_lock_says_how_to_create_it(repo: Repo):
    repo.remove(LOCK_NAME)
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1 and "no version lock yet: run `sentinel-dac version lock`" in result.output


def test_conflicted_lock_is_resolved_by_one_command(repo: Repo):
    """Two branches each add a rule; the lock conflicts; `version lock` keeps both sides."""
    base = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "other")
    repo.write("detections/kv/b.yaml", rule(RULE_B, name="Rule B"))
    assert run(repo.root, "version", "lock").exit_code == 0
    repo.commit("b")
    repo.git("checkout", "-q", "main")
    repo.remove(RULE)  # main retires rule A and adds C
    repo.write("detections/kv/c.yaml", rule("5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", name="Rule C"))
    assert run(repo.root, "version", "lock").exit_code == 0
    repo.commit("c")
    proc = __import__("subprocess").run(["git", "merge", "-q", "other"], cwd=repo.root, capture_output=True)
    assert proc.returncode != 0 and "<<<<<<<" in repo.read(LOCK_NAME), base
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert "merge conflict markers: run `sentinel-dac version lock`" in result.output
    assert "Traceback" not in result.output
    result = run(repo.root, "version", "lock")
    assert result.exit_code == 0, result.output
    lock = read_lock(repo.root / LOCK_NAME)
    assert lock.entries[RULE_A].retired and not lock.entries[RULE_B].retired
    assert "5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e" in lock.entries
    assert codes(repo.root) == []


def test_garbage_lock_is_a_clear_error(repo: Repo):
    repo.write(LOCK_NAME, "{not json")
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert f"{LOCK_NAME}:1:2: not valid JSON" in result.output and "Traceback" not in result.output


def test_id_change_in_existing_file_fails(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace(RULE_A, RULE_B))
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert "DAC802" in result.output and f"id changed from {RULE_A}" in result.output


def test_deleted_rule_id_stays_taken(repo: Repo):
    repo.remove(RULE)
    assert run(repo.root, "version", "lock").exit_code == 0
    assert read_lock(repo.root / LOCK_NAME).entries[RULE_A].retired
    repo.write("detections/kv/new.yaml", rule(RULE_A, name="New rule"))
    result = run(repo.root, "version", "check")
    assert result.exit_code == 1
    assert "DAC803" in result.output and "deleted" in result.output


def test_deprecated_rule_id_cannot_move_to_a_new_rule(repo: Repo):
    repo.write("detections/kv/rule.meta.yaml", "deprecated:\n  date: 2026-01-15\n  reason: replaced\n")
    assert run(repo.root, "version", "lock").exit_code == 0
    assert read_lock(repo.root / LOCK_NAME).entries[RULE_A].deprecated == "2026-01-15"
    repo.commit("deprecate")
    repo.remove(RULE)
    repo.remove("detections/kv/rule.meta.yaml")
    repo.write("detections/kv/replacement.yaml", rule(RULE_A, name="Replacement"))
    assert "DAC803" in codes(repo.root)


def test_moving_a_rule_file_keeps_its_id(repo: Repo):
    repo.git("mv", RULE, "detections/kv/renamed.yaml")
    assert codes(repo.root) == ["DAC804"]  # path changed: relock, nothing else
    assert run(repo.root, "version", "lock").exit_code == 0
    lock = read_lock(repo.root / LOCK_NAME)
    assert lock.entries[RULE_A].path == "detections/kv/renamed.yaml" and not lock.entries[RULE_A].retired


# --- check against a base commit ----------------------------------------------


def test_base_catches_a_change_hidden_by_a_regenerated_lock(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace("SecretGet'", "SecretList'"))
    lock = json.loads(repo.read(LOCK_NAME))
    from sentinel_dac.lifecycle.logic import logic_hash

    project = load_project(load_config(repo.root))
    lock["rules"][RULE_A]["logic"] = logic_hash(project.rules[0])
    repo.write(LOCK_NAME, json.dumps(lock, indent=2))
    repo.commit("sneaky")
    assert codes(repo.root) == [] or "DAC800" not in codes(repo.root)
    result = run(repo.root, "version", "check", "--base", "HEAD~1")
    assert result.exit_code == 1
    assert "DAC800" in result.output and "base HEAD~1" in result.output


def test_base_bump_then_check_passes(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace("SecretGet'", "SecretList'"))
    repo.commit("change")
    assert run(repo.root, "version", "bump", "--base", "HEAD~1").exit_code == 0
    assert "version: 1.0.1" in repo.read(RULE)
    repo.commit("bump")
    assert codes(repo.root, "HEAD~2") == []


def test_base_id_change_and_version_down(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace(RULE_A, RULE_B))
    repo.commit("id")
    assert "DAC802" in codes(repo.root, "main~1")
    repo.write(RULE, rule(RULE_A, version="0.1.0"))
    repo.commit("down")
    assert "DAC801" in codes(repo.root, "main~2")


def test_base_when_project_is_a_subfolder(tmp_path: Path):
    r = Repo(tmp_path / "mono")
    r.remove("sentinel-dac.yaml")
    r.write("sec/sentinel-dac.yaml", "require_cases: false\n")
    r.write("sec/" + RULE, rule())
    r.write("sec/README.md", "x\n")
    assert run(r.root / "sec", "version", "lock").exit_code == 0
    r.commit("one")
    r.write("sec/" + RULE, r.read("sec/" + RULE).replace("SecretGet'", "SecretList'"))
    assert "DAC800" in codes(r.root / "sec", "HEAD")


def test_unknown_ref_and_not_a_repo_are_clear_errors(repo: Repo, tmp_path: Path):
    result = run(repo.root, "version", "check", "--base", "no-such-branch")
    assert result.exit_code == 1
    assert "unknown git ref 'no-such-branch'" in result.output and "Traceback" not in result.output
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "sentinel-dac.yaml").write_text("require_cases: false\n")
    result = run(plain, "version", "check", "--base", "main")
    assert result.exit_code == 1 and "is not inside a git repository" in result.output
    with pytest.raises(GitError, match="unknown git ref"):
        export_tree(repo.root, "deadbeef" * 5, tmp_path / "out")


def test_uncommitted_changes_are_not_part_of_the_base(repo: Repo, tmp_path: Path):
    repo.write(RULE, repo.read(RULE).replace("SecretGet'", "SecretList'"))
    export_tree(repo.root, "HEAD", tmp_path / "base")
    assert "SecretGet'" in (tmp_path / "base" / RULE).read_text()


def test_rule_without_version_gets_one_on_bump(repo: Repo):
    repo.write(RULE, rule(version=None, query="AZKVAuditLogs | take 1"))
    repo.remove(LOCK_NAME)
    assert run(repo.root, "version", "lock").exit_code == 0
    repo.write(RULE, repo.read(RULE).replace("take 1", "take 2"))
    assert bump_versions(load_project(load_config(repo.root)))[0].new == "1.0.0"
    assert repo.read(RULE).endswith("version: 1.0.0\n")


def test_project_new_since_base_has_an_empty_base(tmp_path: Path):
    r = Repo(tmp_path / "mono")
    r.write("README.md", "x\n")
    r.commit("before the project")
    r.write("sec/sentinel-dac.yaml", "require_cases: false\n")
    r.write("sec/" + RULE, rule())
    assert codes(r.root / "sec", "HEAD") == ["DAC804"]  # everything is new; only the lock is missing
    result = run(r.root / "sec", "diff", "--base", "HEAD", "--no-tests")
    assert result.exit_code == 0 and "| New | 1 |" in result.output


def test_check_json_format(repo: Repo):
    repo.write(RULE, repo.read(RULE).replace("SecretGet'", "SecretList'"))
    result = run(repo.root, "version", "check", "--format", "json")
    body = json.loads(result.output)
    assert result.exit_code == 1 and [e["code"] for e in body["errors"]] == ["DAC800"]
    assert body["reference"] == f"the lock ({LOCK_NAME})" and body["rules_checked"] == 1
