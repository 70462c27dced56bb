"""The pytest plugin: plain `pytest` collects each rule's cases as items beside the tooling tests."""

from __future__ import annotations

import duckdb  # noqa: F401  - imported here, outside pytester's in-process runs: pytester drops modules
import duckdb_kql  # noqa: F401  a run imported, and re-importing DuckDB's native extension aborts the process

import sentinel_dac.engine.embedded  # noqa: F401
from helpers import jsonl, rule_text

pytest_plugins = ["pytester"]

QUERY = "AZKVAuditLogs | where OperationName == 'SecretGet' | summarize Reads = count() by CallerIpAddress"
ROW = {"TimeGenerated": "2024-05-01T11:10:00Z", "OperationName": "SecretGet", "CallerIpAddress": "203.0.113.7"}
CASES = """cases:
  - name: one read fires
    kind: positive
    now: 2024-05-01T12:00:00Z
    samples:
      - file: one.AZKVAuditLogs.jsonl
    expect:
      results: [{Reads: READS}]
  - name: no reads
    kind: negative
    now: 2024-05-01T12:00:00Z
    samples:
      - {table: AZKVAuditLogs, rows: []}
"""


def make(pytester, reads: int = 1, config: str = "require_cases: true\n", extra: dict | None = None):
    pytester.makefile(".yaml", **{"sentinel-dac": config})
    pytester.makeini("[pytest]\ntestpaths = detections\n")
    files = {
        "detections/kv/rule.yaml": rule_text(QUERY),
        "detections/kv/rule.tests.yaml": CASES.replace("READS", str(reads)),
        "detections/kv/one.AZKVAuditLogs.jsonl": jsonl(ROW),
        **(extra or {}),
    }
    for rel, text in files.items():
        path = pytester.path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_cases_are_collected_with_rule_file_and_case_name(pytester):
    make(pytester)
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "detections/kv/rule.tests.yaml::one read fires",
            "detections/kv/rule.tests.yaml::no reads",
        ]
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_failing_case_shows_the_difference(pytester):
    make(pytester, reads=5)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*detections/kv/rule.yaml :: one read fires (positive)*",
            "*result row 1 {Reads=5} not found among 1 result row(s); closest is result row 1:*",
            "*  - Reads: expected 5, got 1*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_rule_without_cases_fails_when_cases_are_required(pytester):
    make(
        pytester,
        extra={"detections/kv/untested.yaml": rule_text(QUERY, id="0a0b0c0d-0000-4000-8000-000000000009", name="U")},
    )
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*untested.yaml::[[]required cases[]]*", "*DAC512 no test cases: add untested.tests.yaml*"]
    )


def test_broken_tests_file_is_a_failing_item(pytester):
    make(pytester)
    (pytester.path / "detections/kv/rule.tests.yaml").write_text("cases: []\n")
    result = pytester.runpytest("-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*DAC510 cases must be a non-empty list of test cases*"])


def test_files_outside_content_folders_are_not_collected(pytester):
    make(pytester)
    (pytester.path / "elsewhere").mkdir()
    (pytester.path / "elsewhere/x.tests.yaml").write_text(CASES)
    pytester.runpytest("elsewhere").assert_outcomes()


def test_the_plugin_can_be_disabled(pytester):
    make(pytester)
    result = pytester.runpytest("-p", "no:sentinel_dac")
    assert result.ret == 5  # nothing collected


def test_hunting_query_cases_are_items_too(pytester):
    hunt = "id: 1b2c3d4e-0000-4000-8000-000000000000\nname: h\ndescription: d\nquery: |\n  " + QUERY + "\n"
    cases = CASES.replace("one.AZKVAuditLogs", "../../detections/kv/one.AZKVAuditLogs").replace("READS", "2")
    make(pytester, extra={"hunting/kv/h.yaml": hunt, "hunting/kv/h.tests.yaml": cases})
    pytester.makeini("[pytest]\ntestpaths = detections hunting\n")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=3, failed=1)  # the rule's two cases, the hunting query's negative; its positive fails
    result.stdout.fnmatch_lines(["*hunting/kv/h.yaml :: one read fires (positive)*", "*Reads: expected 2, got 1*"])
