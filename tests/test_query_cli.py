"""`sentinel-dac query`: KQL or a rule's query over sample files, every catalogue table present."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from helpers import jsonl, rule_text
from sentinel_dac.cli import main

ROWS = [
    {"TimeGenerated": "2024-05-01T11:00:00Z", "OperationName": "SecretGet", "CallerIpAddress": "10.1.2.3"},
    {"TimeGenerated": "2024-05-01T11:30:00Z", "OperationName": "SecretGet", "CallerIpAddress": "203.0.113.7"},
    {"TimeGenerated": "2024-04-01T11:30:00Z", "OperationName": "VaultGet", "CallerIpAddress": "198.51.100.1"},
]


def run(root, monkeypatch, *args):
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["query", *args])


def project(make_project):
    return make_project(
        {
            "detections/kv/rule.yaml": rule_text(
                "AZKVAuditLogs\n| where TimeGenerated > ago(1d)\n| extend Private = ipv4_is_private(CallerIpAddress)"
                "\n| project CallerIpAddress, Private"
            ),
            "data/kv.AZKVAuditLogs.jsonl": jsonl(*ROWS),
        }
    )


def test_query_runs_over_samples_with_now_pinned_in_every_format(make_project, monkeypatch):
    root = project(make_project)
    args = ["--file", "detections/kv/rule.yaml", "--data", "data", "--now", "2024-05-01T12:00:00Z"]
    res = run(root, monkeypatch, *args, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [c["name"] for c in data["columns"]] == ["CallerIpAddress", "Private"]
    assert data["rows"] == [
        {"CallerIpAddress": "10.1.2.3", "Private": True},
        {"CallerIpAddress": "203.0.113.7", "Private": False},
    ]
    res = run(root, monkeypatch, *args, "--format", "csv")
    assert list(csv.reader(io.StringIO(res.output))) == [
        ["CallerIpAddress", "Private"],
        ["10.1.2.3", "true"],
        ["203.0.113.7", "false"],
    ]
    res = run(root, monkeypatch, *args)
    assert res.output.splitlines()[0].split() == ["CallerIpAddress", "Private"]
    assert res.output.rstrip().endswith("(2 rows)")


def test_every_catalogue_table_exists_without_data(make_project, monkeypatch):
    root = project(make_project)
    res = run(root, monkeypatch, "SigninLogs | join kind=inner (AuditLogs) on CorrelationId | count", "--format", "csv")
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["Count", "0"]


def test_unsupported_kql_exits_3_naming_the_construct_and_line_column(make_project, monkeypatch):
    root = project(make_project)
    res = run(root, monkeypatch, "AZKVAuditLogs\n| where Id != ''\n| reduce by OperationName")
    assert res.exit_code == 3
    assert "unsupported: operator reduce-by at <query>:3:3" in res.output
    rule = root / "detections/kv/other.yaml"
    rule.write_text(rule_text("AZKVAuditLogs\n| extend u = url_decode(Id)", id="00000000-0000-4000-8000-000000000001"))
    res = run(root, monkeypatch, "--file", str(rule))
    assert res.exit_code == 3
    assert "unsupported: function url_decode() at detections/kv/other.yaml:" in res.output
    line_col = res.output.split("other.yaml:")[1].split(":")[:2]
    assert rule.read_text().splitlines()[int(line_col[0]) - 1][int(line_col[1]) - 1 :].startswith("url_decode")


def test_other_errors_exit_1_and_usage_errors_2(make_project, monkeypatch):
    root = project(make_project)
    res = run(root, monkeypatch, "NoSuchTable | take 1")
    assert res.exit_code == 1 and "NoSuchTable' is not in the table catalogue" in res.output
    res = run(root, monkeypatch, "AZKVAuditLogs | project Nope")
    assert res.exit_code == 1 and "column 'Nope'" in res.output
    (root / "bad").mkdir()
    (root / "bad/x.AZKVAuditLogs.jsonl").write_text('{"TimeGenerated": "not a time"}\n')
    res = run(root, monkeypatch, "AZKVAuditLogs", "--data", "bad")
    assert res.exit_code == 1 and "bad/x.AZKVAuditLogs.jsonl:1" in res.output
    assert run(root, monkeypatch).exit_code == 2
    assert run(root, monkeypatch, "print 1", "--file", "detections/kv/rule.yaml").exit_code == 2
    assert run(root, monkeypatch, "print 1", "--now", "yesterday").exit_code == 2
