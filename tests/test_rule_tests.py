"""`sentinel-dac test` and `check`: test-case files, outcomes, reports, exit codes, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from helpers import jsonl, rule_text
from sentinel_dac.cli import main

QUERY = """
AZKVAuditLogs
| where OperationName == "SecretGet"
| summarize Reads = count() by CallerIpAddress
| where Reads > 2
"""
ROWS = [
    {"TimeGenerated": f"2024-05-01T11:1{i}:00Z", "OperationName": "SecretGet", "CallerIpAddress": "203.0.113.7"}
    for i in range(3)
]
CASES = """
cases:
  - name: three reads fire
    kind: positive
    now: 2024-05-01T12:00:00Z
    samples:
      - file: samples/three.AZKVAuditLogs.jsonl
    expect:
      alert_count: 1
      results:
        - {CallerIpAddress: 203.0.113.7, Reads: 3}
  - name: two reads do not
    kind: negative
    now: 2024-05-01T12:00:00Z
    samples:
      - table: AZKVAuditLogs
        rows:
          - {TimeGenerated: 2024-05-01T11:10:00Z, OperationName: SecretGet, CallerIpAddress: 203.0.113.7}
          - {TimeGenerated: 2024-05-01T11:11:00Z, OperationName: SecretGet, CallerIpAddress: 203.0.113.7}
"""


def project(make_project, cases: str = CASES, query: str = QUERY, extra: dict | None = None, config=None):
    files = {
        "detections/kv/rule.yaml": rule_text(query),
        "detections/kv/rule.tests.yaml": cases,
        "detections/kv/samples/three.AZKVAuditLogs.jsonl": jsonl(*ROWS),
        **(extra or {}),
    }
    return make_project(files, config)


def run(root, monkeypatch, *args):
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["test", *args])


def test_passing_cases_exit_0_with_json_counts(make_project, monkeypatch):
    res = run(project(make_project), monkeypatch, "--format", "json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert {k: data[k] for k in ("rules", "cases", "passed", "failed", "not_run")} == {
        "rules": 1, "cases": 2, "passed": 2, "failed": 0, "not_run": 0
    }  # fmt: skip
    assert data["results"][0] | {"message": ""} == data["results"][0] | {
        "rule": "detections/kv/rule.yaml",
        "case": "three reads fire",
        "status": "passed",
        "message": "",
    }


def test_unmet_expectation_fails_with_a_readable_diff(make_project, monkeypatch):
    root = project(make_project, CASES.replace("Reads: 3", "Reads: 4"))
    res = run(root, monkeypatch)
    assert res.exit_code == 1
    assert "FAIL    detections/kv/rule.yaml :: three reads fire" in res.output
    assert "detections/kv/rule.tests.yaml:3" in res.output
    assert "closest is result row 1:" in res.output and "  - Reads: expected 4, got 3" in res.output


def test_a_negative_case_that_fires_says_why(make_project, monkeypatch):
    cases = (
        CASES
        + """
  - name: three reads are harmless
    kind: negative
    now: 2024-05-01T12:00:00Z
    samples:
      - file: samples/three.AZKVAuditLogs.jsonl
"""
    )
    res = run(project(make_project, cases), monkeypatch)
    assert res.exit_code == 1
    assert "expected the rule to not fire, but it raised 1 alert(s): the query returned 1 row(s)" in res.output


def test_unsupported_kql_fails_the_case_at_file_line_column(make_project, monkeypatch):
    root = project(make_project, query=QUERY + "| reduce by Reads\n")
    res = run(root, monkeypatch)
    assert res.exit_code == 1 and "2 failed" in res.output
    assert "detections/kv/rule.yaml:" in res.output
    line = next(ln for ln in res.output.splitlines() if "DAC521" in ln)
    assert "unsupported KQL: operator reduce-by is not implemented by the embedded engine" in line
    text = (root / "detections/kv/rule.yaml").read_text().splitlines()
    file_line, col = (int(x) for x in line.strip().split(": DAC521")[0].rsplit(":", 2)[1:])
    assert text[file_line - 1][col - 1 :].startswith("reduce by")


def test_bad_samples_fail_the_case_naming_file_line_column(make_project, monkeypatch):
    bad = jsonl({"TimeGenerated": "2024-05-01T11:10:00", "OperationName": "SecretGet"})
    root = project(make_project, extra={"detections/kv/samples/three.AZKVAuditLogs.jsonl": bad})
    res = run(root, monkeypatch)
    assert res.exit_code == 1
    assert "detections/kv/samples/three.AZKVAuditLogs.jsonl:1:2: DAC504 column TimeGenerated (datetime)" in res.output


def test_inline_rows_are_checked_at_their_yaml_line(make_project, monkeypatch):
    root = project(
        make_project, CASES.replace("CallerIpAddress: 203.0.113.7}\n          - {", "CallerIp: x}\n          - {", 1)
    )
    res = run(root, monkeypatch)
    assert "detections/kv/rule.tests.yaml:18:13: DAC502 column 'CallerIp' is not in table AZKVAuditLogs" in res.output


def test_missing_sample_file_names_the_case_line(make_project, monkeypatch):
    root = project(make_project, CASES.replace("samples/three.", "samples/nope."))
    res = run(root, monkeypatch)
    where = "detections/kv/rule.tests.yaml:7:9: DAC506 detections/kv/samples/nope.AZKVAuditLogs.jsonl: "
    assert where + "sample file does not exist" in res.output


def test_rows_outside_the_window_are_reported(make_project, monkeypatch):
    root = project(make_project, CASES.replace("now: 2024-05-01T12:00:00Z", "now: 2024-05-01T15:00:00Z", 1))
    res = run(root, monkeypatch, "-v")
    assert "3 of 3 AZKVAuditLogs row(s) fall outside this run's window" in res.output


def test_a_negative_case_whose_rows_the_rule_never_sees_fails(make_project, monkeypatch):
    moved = CASES.replace(
        "    kind: negative\n    now: 2024-05-01T12:00:00Z", "    kind: negative\n    now: 2024-05-01T15:00:00Z", 1
    )
    res = run(project(make_project, moved), monkeypatch, "--format", "json")
    assert res.exit_code == 1
    [failed] = [r for r in json.loads(res.output)["results"] if r["status"] == "failed"]
    assert failed["case"] == "two reads do not"
    assert failed["message"].startswith("none of the case's 2 sample row(s) falls in this run's window")
    # one row inside the window is enough for the case to mean something
    one_inside = moved.replace("{TimeGenerated: 2024-05-01T11:11:00Z", "{TimeGenerated: 2024-05-01T14:11:00Z", 1)
    assert run(project(make_project, one_inside), monkeypatch).exit_code == 0
    # a case without rows says what the rule does on an empty workspace: not vacuous by this measure
    empty = CASES.split("  - name: two reads do not")[0] + (
        "  - name: nothing logged\n    kind: negative\n    now: 2024-05-01T12:00:00Z\n"
        "    samples:\n      - table: AZKVAuditLogs\n        rows: []\n"
    )
    res = run(project(make_project, empty), monkeypatch, "--format", "json")
    assert [r["status"] for r in json.loads(res.output)["results"]] == ["passed", "passed"], res.output


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        (("kind: negative", "kind: maybe"), "DAC510", "kind must be positive"),
        (
            (
                "now: 2024-05-01T12:00:00Z\n    samples:\n      - table",
                "now: 2024-05-01 12:00\n    samples:\n      - table",
            ),
            "DAC510",
            "with a time zone",
        ),
        (("two reads do not", "three reads fire"), "DAC511", "case name 'three reads fire' is already used at line 3"),
        (("      alert_count: 1", "      fires: false"), "DAC510", "a positive case must fire"),
        (
            ("      - file: samples/three", "      - rows: []\n        file: samples/three"),
            "DAC510",
            "a sample is {file",
        ),
    ],
)
def test_malformed_test_files(make_project, monkeypatch, change, code, fragment):
    root = project(make_project, CASES.replace(*change, 1))
    res = run(root, monkeypatch)
    assert res.exit_code == 1, res.output
    line = next((ln for ln in res.output.splitlines() if code in ln), "")
    assert line.startswith("detections/kv/rule.tests.yaml:") and fragment in line, res.output


def test_require_cases(make_project, monkeypatch):
    only_positive = CASES.split("  - name: two reads do not")[0]
    root = project(make_project, only_positive)
    res = run(root, monkeypatch)
    assert (
        res.exit_code == 1
        and "detections/kv/rule.tests.yaml:1: DAC512 no negative case (require_cases is on)" in res.output
    )
    assert run(root, monkeypatch, "--no-require-cases").exit_code == 0
    root = project(make_project, only_positive, config="require_cases: false\n")
    assert run(root, monkeypatch).exit_code == 0
    assert run(root, monkeypatch, "--require-cases").exit_code == 1


def test_every_sample_file_is_checked_even_when_unused(make_project, monkeypatch):
    root = project(make_project, extra={"detections/kv/samples/old.Nope.jsonl": "{}\n"})
    res = run(root, monkeypatch)
    assert res.exit_code == 1 and "detections/kv/samples/old.Nope.jsonl:0: DAC501 unknown table 'Nope'" in res.output


HUNT = (
    "id: 1b2c3d4e-0000-4000-8000-000000000000\nname: h\ndescription: d\nquery: |\n"
    "  AZKVAuditLogs\n  | where OperationName == 'SecretGet'\n  | summarize Reads = count() by CallerIpAddress\n"
)
HUNT_CASES = """
cases:
  - name: the reads of the last day
    kind: positive
    now: 2024-05-01T12:00:00Z
    samples:
      - file: samples/three.AZKVAuditLogs.jsonl
    expect:
      result_count: 1
      results:
        - {CallerIpAddress: 203.0.113.7, Reads: 3}
  - name: a timespan that ends before the reads
    kind: negative
    now: 2024-05-01T12:00:00Z
    timespan: 45m
    samples:
      - file: samples/three.AZKVAuditLogs.jsonl
      - table: AZKVAuditLogs
        rows:
          - {TimeGenerated: 2024-05-01T11:20:00Z, OperationName: SecretList, CallerIpAddress: 203.0.113.9}
"""


def hunting_project(make_project, cases: str = HUNT_CASES):
    return make_project(
        {
            "hunting/kv/h.yaml": HUNT,
            "hunting/kv/h.tests.yaml": cases,
            "hunting/kv/samples/three.AZKVAuditLogs.jsonl": jsonl(*ROWS),
        }
    )


def test_hunting_query_cases_run_with_rows_as_the_answer(make_project, monkeypatch):
    res = run(hunting_project(make_project), monkeypatch, "--format", "json")
    data = json.loads(res.output)
    assert res.exit_code == 0, res.output
    assert (data["rules"], data["hunting_queries"], data["passed"]) == (0, 1, 2)
    assert [r["rule"] for r in data["results"]] == ["hunting/kv/h.yaml"] * 2
    text = run(hunting_project(make_project), monkeypatch).output
    assert "OK: 0 rule(s), 1 hunting query, 2 case(s): 2 passed" in text


def test_hunting_query_cases_fail_with_what_the_query_returned(make_project, monkeypatch):
    wrong = HUNT_CASES.replace("timespan: 45m", "timespan: 1h").replace("Reads: 3}", "Reads: 4}")
    res = run(hunting_project(make_project, wrong), monkeypatch, "--format", "json")
    failed = {r["case"]: r["message"] for r in json.loads(res.output)["results"] if r["status"] == "failed"}
    assert res.exit_code == 1
    assert failed["a timespan that ends before the reads"] == (
        "expected the hunting query to return no rows (negative case), but the query returned 1 row(s)"
    )
    assert "Reads: expected 4, got 3" in failed["the reads of the last day"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (("      result_count: 1", "      alert_count: 1"), "a hunting query raises no alerts: alert_count"),
        (("    timespan: 45m", "    timespan: soon"), "is not a duration"),
    ],
)
def test_hunting_case_files_refuse_what_does_not_apply(make_project, monkeypatch, change, fragment):
    res = run(hunting_project(make_project, HUNT_CASES.replace(*change, 1)), monkeypatch)
    assert res.exit_code == 1 and "DAC510" in res.output and fragment in res.output, res.output


def test_a_rule_case_cannot_set_a_timespan(make_project, monkeypatch):
    cases = CASES.replace("    kind: negative\n", "    kind: negative\n    timespan: 1h\n", 1)
    res = run(project(make_project, cases), monkeypatch)
    assert res.exit_code == 1 and "timespan applies to hunting query cases" in res.output


def test_junit_report(make_project, monkeypatch, tmp_path):
    root = project(make_project, CASES.replace("Reads: 3", "Reads: 4"))
    out = tmp_path / "out" / "junit.xml"
    run(root, monkeypatch, "--junit-xml", str(out))
    suite = ET.parse(out).getroot()
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["three reads fire"].find("failure") is not None and cases["two reads do not"].find("failure") is None
    assert cases["three reads fire"].get("classname") == "detections/kv/rule.yaml"


def test_paths_select_rules(make_project, monkeypatch):
    root = project(
        make_project,
        extra={"detections/other/r2.yaml": rule_text(QUERY, id="0a0b0c0d-0000-4000-8000-000000000001", name="Other")},
    )
    res = run(root, monkeypatch, "detections/kv", "--format", "json")
    assert json.loads(res.output)["rules"] == 1 and res.exit_code == 0
    assert run(root, monkeypatch).exit_code == 1  # the other rule has no cases


def test_engine_options_are_validated(make_project, monkeypatch):
    root = project(make_project)
    assert run(root, monkeypatch, "--engine", "adx").exit_code == 2
    assert run(root, monkeypatch, "--cluster", "http://127.0.0.1:9").exit_code == 2


def test_check_runs_validate_and_test(make_project, monkeypatch):
    root = project(make_project, CASES.replace("Reads: 3", "Reads: 4"))
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["check"])
    assert res.exit_code == 1
    assert "validate: ok" in res.output and "FAIL detections/kv/rule.yaml :: three reads fire" in res.output
    assert "test: FAILED: 1 rule(s), 2 case(s): 1 passed, 1 failed, 0 not run" in res.output


def test_cases_of_an_invalid_rule_fail_loudly(make_project, monkeypatch):
    root = project(make_project, extra={"detections/kv/rule.yaml": rule_text(QUERY, severity="Urgent")})
    res = run(root, monkeypatch)
    assert res.exit_code == 1
    assert (
        "detections/kv/rule.tests.yaml:1: DAC514 the rule detections/kv/rule.yaml is invalid, so these cases cannot run"
        in res.output
    )
    assert "DAC213" in res.output


def test_cases_of_an_invalid_hunting_query_fail_loudly(make_project, monkeypatch):
    root = hunting_project(make_project)
    (root / "hunting/kv/h.yaml").write_text(HUNT.replace("name: h\n", ""))  # name is required
    res = run(root, monkeypatch)
    assert res.exit_code == 1
    assert "hunting/kv/h.tests.yaml:1: DAC514 the hunting query hunting/kv/h.yaml is invalid" in res.output


PARSER = """id: 2f1e0d9c-8b7a-4654-9321-0fedcba98765
Function:
  Title: Key Vault secret reads
  Version: '1.0.0'
  LastUpdated: '2024-05-01'
Category: Microsoft Sentinel Parser
FunctionName: KvSecretReads
FunctionAlias: KvSecretReads
FunctionParams:
  - Name: operation
    Type: string
    Default: SecretGet
FunctionQuery: |
  AZKVAuditLogs
  | where OperationName == operation
  | where CallerIpAddress !in ((_GetWatchlist('TrustedIps') | project SearchKey))
"""
WATCHLIST = """watchlistAlias: TrustedIps
displayName: Trusted addresses
description: Addresses of our own automation
provider: sentinel-dac
itemsSearchKey: Address
source: ips.csv
"""


def test_project_parsers_and_watchlists_are_available_to_rules(make_project, monkeypatch):
    query = "KvSecretReads() | summarize Reads = count() by CallerIpAddress | where Reads > 2"
    rows = ROWS + [{**ROWS[0], "CallerIpAddress": "10.0.0.5"}] * 3
    root = project(
        make_project,
        CASES.replace("alert_count: 1", "result_count: 1"),
        query=query,
        extra={
            "parsers/kv.yaml": PARSER,
            "watchlists/trusted/watchlist.yaml": WATCHLIST,
            "watchlists/trusted/ips.csv": "Address,Owner\n10.0.0.5,automation\n",
            "detections/kv/samples/three.AZKVAuditLogs.jsonl": jsonl(*rows),
        },
    )
    res = run(root, monkeypatch)
    assert res.exit_code == 0, res.output  # one row: the parser ran, and its watchlist removed the trusted address
    (root / "watchlists/trusted/ips.csv").write_text("Address,Owner\n10.9.9.9,automation\n")
    res = run(root, monkeypatch)
    assert res.exit_code == 1 and "expected 1 result row(s), got 2" in res.output


def test_project_ingestion_delay_setting(make_project, monkeypatch):
    cases = CASES.replace("now: 2024-05-01T12:00:00Z", "now: 2024-05-01T11:13:00Z", 1)
    root = project(make_project, cases)
    assert run(root, monkeypatch).exit_code == 0  # rows at 11:10-11:12 arrive at once: the 11:13 run sees them
    root = project(make_project, cases, config="ingestion_delay:\n  AZKVAuditLogs: 10m\n")
    res = run(root, monkeypatch)
    assert res.exit_code == 1 and "expected the rule to fire" in res.output  # they arrive after 11:18: missed
