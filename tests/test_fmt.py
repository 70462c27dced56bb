"""`sentinel-dac fmt`: canonical YAML with comments kept, idempotent; KQL only with --kql, never upstream."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gitrepo import Repo, rule
from sentinel_dac.cli import main
from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.lifecycle.fmt import format_yaml_text
from sentinel_dac.lifecycle.logic import logic_hash

MESSY = """# header comment: why this rule exists
id: 7d2f5c1e-0b3a-4c6d-9e8f-1a2b3c4d5e6f   # the id never changes
name: 'Quoted name'
description: |
  Line one.
  Line two.
severity: Medium
kind: Scheduled
requiredDataConnectors: []
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics:
- CredentialAccess      # flush sequence
relevantTechniques:
    -   T1555
query: |
  // count reads
  AZKVAuditLogs|where OperationName=="SecretGet"|summarize n=count() by CallerIpAddress
entityMappings:
  - entityType: IP
    fieldMappings:
    - identifier: Address
      columnName: CallerIpAddress
version: 1.0.0{TRAILING}
""".replace("{TRAILING}", "   ")


def run(root, *args):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def test_round_trip_keeps_comments_quotes_and_is_idempotent():
    once = format_yaml_text(MESSY)
    assert "# header comment: why this rule exists" in once
    assert "# the id never changes" in once and "# flush sequence" in once
    assert "name: 'Quoted name'" in once
    assert "tactics:\n  - CredentialAccess" in once and "relevantTechniques:\n  - T1555" in once
    assert "    fieldMappings:\n      - identifier: Address\n        columnName: CallerIpAddress" in once
    assert "version: 1.0.0\n" in once and not any(line != line.rstrip() for line in once.splitlines())
    assert "// count reads" in once  # queries are text: untouched without --kql
    assert format_yaml_text(once) == once


def test_long_lines_are_not_rewrapped():
    text = "id: x\ndescription: " + "word " * 60 + "end\n"
    assert format_yaml_text(text) == text


def test_timestamps_keep_the_precision_and_form_they_were_written_in(tmp_path):
    # ruamel re-emits a timestamp with six fraction digits: the file would read as other data, and fmt refused it
    cases = (
        "cases:\n  - name: x\n    kind: negative\n    now:   2024-05-01T12:00:00Z\n    samples:\n"
        "      - table: AZKVAuditLogs\n        rows:\n"
        "          - {TimeGenerated: 2024-05-01T11:10:52.71056Z, OperationName: SecretList}\n"
        "          - {TimeGenerated: 2024-05-01 11:20:52.7+02:00, OperationName: SecretList}\n"
    )
    once = format_yaml_text(cases)
    assert "2024-05-01T11:10:52.71056Z" in once and "2024-05-01 11:20:52.7+02:00" in once
    assert "now: 2024-05-01T12:00:00Z" in once and format_yaml_text("date: 2026-02-01\n") == "date: 2026-02-01\n"
    repo = Repo(tmp_path / "repo")
    repo.write("detections/kv/rule.yaml", format_yaml_text(MESSY))
    repo.write("detections/kv/rule.tests.yaml", cases)
    res = run(repo.root, "fmt")
    assert res.exit_code == 0, res.output
    assert repo.read("detections/kv/rule.tests.yaml") == once


@pytest.fixture
def repo(tmp_path):
    r = Repo(tmp_path / "repo")
    r.write("detections/kv/rule.yaml", MESSY)
    return r


def test_check_reports_then_fmt_fixes(repo):
    result = run(repo.root, "fmt", "--check")
    assert result.exit_code == 1
    assert "detections/kv/rule.yaml:15:1: DAC810 not in canonical format: run `sentinel-dac fmt`" in result.output
    assert repo.read("detections/kv/rule.yaml") == MESSY  # --check writes nothing
    result = run(repo.root, "fmt")
    assert result.exit_code == 0 and "formatted detections/kv/rule.yaml" in result.output
    assert run(repo.root, "fmt", "--check").exit_code == 0
    assert run(repo.root, "validate", "--no-kql").exit_code == 0


def test_kql_only_on_request_and_logic_hash_unchanged(repo):
    before = logic_hash(load_project(load_config(repo.root)).rules[0])
    run(repo.root, "fmt")
    assert 'AZKVAuditLogs|where OperationName=="SecretGet"' in repo.read("detections/kv/rule.yaml")
    result = run(repo.root, "fmt", "--kql")
    assert result.exit_code == 0, result.output
    text = repo.read("detections/kv/rule.yaml")
    assert (
        '  AZKVAuditLogs\n  | where OperationName == "SecretGet"\n  | summarize n = count() by CallerIpAddress' in text
    )
    assert "  // count reads\n" in text
    assert logic_hash(load_project(load_config(repo.root)).rules[0]) == before
    assert run(repo.root, "fmt", "--kql", "--check").exit_code == 0


def test_upstream_rules_stay_as_imported(repo):
    repo.write("detections/kv/rule.meta.yaml", "upstream: Azure-Sentinel/Solutions/KeyVault/x.yaml\n")
    assert run(repo.root, "fmt", "--check").exit_code == 0  # not flagged either
    result = run(repo.root, "fmt", "--kql")
    assert "detections/kv/rule.yaml: left as imported: its .meta.yaml names an upstream" in result.output
    assert repo.read("detections/kv/rule.yaml") == MESSY
    run(repo.root, "fmt", "--kql", "--include-upstream")
    assert "| where OperationName ==" in repo.read("detections/kv/rule.yaml")


def test_bad_yaml_is_reported_not_written(repo):
    repo.write("detections/kv/broken.yaml", "id: [unclosed\n")
    result = run(repo.root, "fmt")
    assert result.exit_code == 1
    assert "detections/kv/broken.yaml:2:1: DAC810 cannot format: not valid YAML" in result.output
    assert "Traceback" not in result.output
    assert repo.read("detections/kv/broken.yaml") == "id: [unclosed\n"


def test_only_selected_paths(repo):
    repo.write("detections/other/o.yaml", rule(rule_id="0c9a8b7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d", name="O") + "   \n")
    result = run(repo.root, "fmt", str(repo.root / "detections/other"))
    assert result.output.strip() == "formatted detections/other/o.yaml"
    assert repo.read("detections/kv/rule.yaml") == MESSY
