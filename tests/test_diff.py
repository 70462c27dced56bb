"""`sentinel-dac diff --base REF`: new/changed/deprecated/removed rules, KQL diffs, tests, plan hook."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gitrepo import RULE_A, RULE_B, Repo, rule
from sentinel_dac.cli import main
from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.lifecycle.diff import PlanSection, build_diff, render_json, render_markdown

QUERY = 'AZKVAuditLogs\n| where OperationName == "SecretGet"\n| summarize Reads = count() by CallerIpAddress\n'
CASES = """cases:
  - name: a read fires
    kind: positive
    now: 2024-05-01T12:00:00Z
    samples:
      - table: AZKVAuditLogs
        rows:
          - {TimeGenerated: 2024-05-01T11:10:00Z, OperationName: SecretGet, CallerIpAddress: 203.0.113.7}
    expect:
      alert_count: 1
  - name: nothing else
    kind: negative
    now: 2024-05-01T12:00:00Z
    samples:
      - table: AZKVAuditLogs
        rows:
          - {TimeGenerated: 2024-05-01T11:10:00Z, OperationName: SecretList, CallerIpAddress: 203.0.113.7}
"""


def setup_repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write("detections/kv/a.yaml", rule(RULE_A, query=QUERY, name="Rule A"))
    repo.write("detections/kv/a.tests.yaml", CASES)
    repo.write("detections/kv/gone.yaml", rule("5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", name="Gone"))
    repo.write("detections/kv/old.yaml", rule("6c1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", name="Old"))
    repo.write("detections/kv/doc.yaml", rule("7e1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", name="Doc"))
    repo.commit("base")
    # the branch: change A's query (with a bump), add B (tests fail), remove one, deprecate one, reword one
    a = repo.read("detections/kv/a.yaml").replace('"SecretGet"', '"SecretList"').replace("1.0.0", "1.1.0")
    repo.write("detections/kv/a.yaml", a)
    repo.write(
        "detections/kv/a.tests.yaml",
        CASES.replace("SecretGet", "T").replace("SecretList", "SecretGet").replace("T,", "SecretList,"),
    )
    repo.write("detections/kv/b.yaml", rule(RULE_B, query=QUERY, name="Rule B"))
    repo.write("detections/kv/b.tests.yaml", CASES.replace("alert_count: 1", "alert_count: 2"))
    repo.remove("detections/kv/gone.yaml")
    repo.write("detections/kv/old.meta.yaml", "deprecated:\n  date: 2026-02-01\n  reason: noisy\n")
    repo.write("detections/kv/doc.yaml", repo.read("detections/kv/doc.yaml").replace("A rule for", "A better rule for"))
    return repo


def report_of(repo: Repo, **kw):
    return build_diff(load_project(load_config(repo.root)), "main", **kw)


def test_changes_are_classified_by_id(tmp_path):
    report = report_of(setup_repo(tmp_path))
    status = {c.name: c.status for c in report.changes}
    assert status == {"Rule A": "changed", "Rule B": "new", "Gone": "removed", "Old": "deprecated", "Doc": "metadata"}
    doc = next(c for c in report.changes if c.name == "Doc")
    assert doc.fields == ["description"] and doc.query_diff == ""
    old = next(c for c in report.changes if c.name == "Old")
    assert old.deprecation == "2026-02-01: noisy"


def test_kql_diff_and_versions(tmp_path):
    report = report_of(setup_repo(tmp_path))
    a = next(c for c in report.changes if c.name == "Rule A")
    assert (a.old_version, a.new_version) == ("1.0.0", "1.1.0")
    assert '-| where OperationName == "SecretGet"' in a.query_diff
    assert '+| where OperationName == "SecretList"' in a.query_diff
    assert a.query_diff.startswith("--- a/detections/kv/a.yaml")
    assert report.version_findings == []


def test_test_results_of_new_and_changed_rules(tmp_path):
    report = report_of(setup_repo(tmp_path))
    tests = {c.name: c.tests for c in report.changes}
    assert tests["Rule A"].passed == 2 and tests["Rule A"].failed == 0
    assert tests["Rule B"].failed == 1 and tests["Rule B"].failures == ["a read fires"]
    assert tests["Doc"] is None  # metadata-only changes are not re-tested
    assert not report.ok


def test_unbumped_change_shows_in_the_version_section(tmp_path):
    repo = setup_repo(tmp_path)
    repo.write("detections/kv/a.yaml", repo.read("detections/kv/a.yaml").replace("1.1.0", "1.0.0"))
    report = report_of(repo, run_tests=False)
    assert [f.code for f in report.version_findings] == ["DAC800"]
    assert "DAC800" in render_markdown(report)


def test_markdown_is_a_pr_comment(tmp_path):
    md = render_markdown(report_of(setup_repo(tmp_path)))
    assert md.startswith("## sentinel-dac: changes against `main`")
    assert "| New | 1 |" in md and "| Changed logic | 1 |" in md and "| Removed | 1 |" in md
    assert "### Deprecated" in md and "deprecated 2026-02-01: noisy" in md
    assert "```diff" in md and "tests :x: 1 passed, 1 failed, 0 not run (failed: a read fires)" in md
    assert "### Deploy plan" not in md


def test_plan_hook_adds_a_section(tmp_path):
    seen = []

    def plan(project):
        seen.append(len(project.rules))
        return PlanSection("| target | create | update |\n|---|---|---|\n| prod | 1 | 1 |", {"prod": {"create": 1}})

    report = report_of(setup_repo(tmp_path), run_tests=False, plan=plan)
    assert seen == [4]
    assert "### Deploy plan\n\n| target | create | update |" in render_markdown(report)
    assert render_json(report)["plan"] == {"prod": {"create": 1}}


def test_cli_json_and_exit_code(tmp_path):
    repo = setup_repo(tmp_path)
    result = CliRunner().invoke(main, ["--project", str(repo.root), "diff", "--base", "main", "--format", "json"])
    assert result.exit_code == 1  # Rule B's positive case fails
    body = json.loads(result.output)
    assert {c["status"] for c in body["changes"]} == {"new", "changed", "removed", "deprecated", "metadata"}
    out = tmp_path / "comment.md"
    result = CliRunner().invoke(
        main, ["--project", str(repo.root), "diff", "--base", "main", "--no-tests", "--out", str(out)]
    )
    assert result.exit_code == 0 and out.read_text().startswith("## sentinel-dac")


def test_no_changes_and_unknown_base(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("detections/kv/a.yaml", rule())
    repo.commit()
    result = CliRunner().invoke(main, ["--project", str(repo.root), "diff", "--base", "HEAD"])
    assert result.exit_code == 0 and "No rule or hunting query changes." in result.output
    result = CliRunner().invoke(main, ["--project", str(repo.root), "diff", "--base", "nope"])
    assert result.exit_code == 1 and "unknown git ref 'nope'" in result.output


def test_huge_diffs_are_left_out_of_the_comment(tmp_path, monkeypatch):
    import sentinel_dac.lifecycle.diff as diff_mod

    report = report_of(setup_repo(tmp_path), run_tests=False)
    monkeypatch.setattr(diff_mod, "COMMENT_LIMIT", 500)
    md = render_markdown(report)
    assert "```diff" not in md and "KQL diffs left out" in md and "| Changed logic | 1 |" in md
    assert render_json(report)["changes"][1]["query_diff"]  # still in JSON


def test_plan_section_against_the_emulator(tmp_path, temu):
    """`diff --plan`: issue 11's plan of every target, read-only, as the comment's last section."""
    from deploy_helpers import project_copy

    root = project_copy(tmp_path)
    repo = Repo.__new__(Repo)
    repo.root = root
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "user.email", "dev@example.com")
    repo.git("config", "user.name", "dev")
    repo.commit("base")
    result = CliRunner().invoke(
        main, ["--project", str(root), "diff", "--base", "main", "--no-tests", "--plan", "--target", "prod"]
    )
    assert result.exit_code == 0, result.output
    section = result.output.split("### Deploy plan\n\n", 1)[1]
    assert section.startswith("| target | create | update | replace | delete | drifted | conflict | unchanged |")
    assert "| prod | 6 | 0 | 0 | 0 | 0 | 0 | 0 |" in section
    assert "- prod: create scheduled-rule" in section
    assert not [r for r in temu.requests if r.method in ("PUT", "DELETE")]  # a plan only reads


def test_plan_section_reports_an_unreachable_target(tmp_path):
    from sentinel_dac.deploy.workflow import TargetRun
    from sentinel_dac.lifecycle.plan_section import render_runs

    class T:
        name = "prod"

    md = render_runs([TargetRun(T(), error="ServiceRequestError: cannot connect")])  # type: ignore[arg-type]
    assert "| prod | — |" in md and "- :x: **prod**: ServiceRequestError: cannot connect" in md


PARSER = """id: 1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b
Function:
  Title: Key Vault secret reads
  Version: 1.0.0
FunctionName: KvReads
FunctionAlias: KvReads
FunctionQuery: |
  AZKVAuditLogs
  | where OperationName == "SecretGet"
"""
OUTER = (
    PARSER.replace("1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b", "2f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b")
    .replace("KvReads", "KvReadsOuter")
    .replace('AZKVAuditLogs\n  | where OperationName == "SecretGet"', "KvReads() | where isnotempty(CallerIpAddress)")
)
WATCHLIST = """watchlistAlias: HighValueVaults
displayName: High value vaults
description: Key vaults holding model keys
provider: sentinel-dac
itemsSearchKey: VaultName
source: vaults.csv
"""
OTHER_ID = "8f1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"


def dependency_repo(tmp_path) -> Repo:
    repo = Repo(tmp_path / "repo")
    repo.write("parsers/kvreads.yaml", PARSER)
    repo.write("parsers/kvreadsouter.yaml", OUTER)
    repo.write("watchlists/hv/watchlist.yaml", WATCHLIST)
    repo.write("watchlists/hv/vaults.csv", "VaultName,Owner\nkv-prod-ai,team-a\n")
    # A reaches KvReads through KvReadsOuter; B reads the watchlist; C uses neither
    repo.write(
        "detections/kv/a.yaml",
        rule(RULE_A, query="KvReadsOuter()\n| summarize Reads = count() by CallerIpAddress", name="Rule A"),
    )
    repo.write("detections/kv/a.tests.yaml", CASES)
    b_query = "AZKVAuditLogs\n| where _ResourceId in ((_GetWatchlist('HighValueVaults') | project SearchKey))"
    repo.write("detections/kv/b.yaml", rule(RULE_B, query=b_query, name="Rule B"))
    repo.write("detections/kv/c.yaml", rule(OTHER_ID, query=QUERY, name="Rule C"))
    repo.commit("base")
    return repo


def test_a_changed_parser_or_watchlist_lists_the_rules_it_reaches_and_runs_their_cases(tmp_path):
    repo = dependency_repo(tmp_path)
    repo.write("parsers/kvreads.yaml", PARSER.replace('"SecretGet"', '"SecretList"'))
    repo.write("watchlists/hv/vaults.csv", "VaultName,Owner\nkv-prod-ai,team-a\nkv-prod-ml,team-b\n")
    report = report_of(repo)
    assert [(d.kind, d.name, d.status) for d in report.dependencies] == [
        ("parser", "KvReads", "changed"),
        ("watchlist", "HighValueVaults", "changed"),
    ]
    assert '+| where OperationName == "SecretList"' in report.dependencies[0].query_diff
    affected = {c.name: c for c in report.changes if c.status == "affected"}
    assert set(affected) == {"Rule A", "Rule B"}  # C uses neither; KvReadsOuter itself did not change
    assert affected["Rule A"].via == ["parser KvReads"] and affected["Rule B"].via == ["watchlist HighValueVaults"]
    # the parser now keeps SecretList instead of SecretGet: both of A's cases turn, and the PR shows it
    assert (affected["Rule A"].tests.passed, affected["Rule A"].tests.failed) == (0, 2) and not report.ok
    assert affected["Rule B"].tests.to_dict() == {"passed": 0, "failed": 0, "not_run": 0, "failures": []}
    md = render_markdown(report)
    assert "### Affected through a changed parser or watchlist" in md and "through parser KvReads" in md
    assert "### Parsers and watchlists" in md and "- changed parser **KvReads** (`parsers/kvreads.yaml`)" in md
    data = render_json(report)
    assert [d["name"] for d in data["dependencies"]] == ["KvReads", "HighValueVaults"]


def test_metadata_of_a_parser_or_reordered_items_affect_nothing(tmp_path):
    repo = dependency_repo(tmp_path)
    repo.write("parsers/kvreads.yaml", PARSER.replace("Key Vault secret reads", "Secret reads, renamed"))
    repo.write("watchlists/hv/watchlist.yaml", WATCHLIST.replace("holding model keys", "with model keys"))
    report = report_of(repo)
    assert report.dependencies == [] and [c for c in report.changes if c.status == "affected"] == []
    assert "No rule or hunting query changes." in render_markdown(report)
