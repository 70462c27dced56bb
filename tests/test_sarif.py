"""`--format sarif`: valid SARIF 2.1.0 (checked against the vendored OASIS schema) with what code scanning needs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from helpers import FIXTURES, valid_rule_text
from sentinel_dac.cli import main
from sentinel_dac.findings import CODES, Finding, Level
from sentinel_dac.validate import ValidationResult
from sentinel_dac.validate.sarif import sarif_log

SCHEMA_FILE = Path(__file__).parent / "sarif" / "sarif-schema-2.1.0.json"


def schema_validator() -> jsonschema.Draft7Validator:
    text = SCHEMA_FILE.read_text()
    # the vendored copy is the OASIS file byte for byte (see tests/sarif/NOTICE.md)
    assert hashlib.sha256(text.encode()).hexdigest().startswith("80cd7ffb9b62a416")
    schema = json.loads(text)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid_sarif(log: dict) -> None:
    errors = sorted(schema_validator().iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_cli_sarif_output_is_valid_and_complete(make_project, monkeypatch):
    root = make_project(
        {
            "detections/kql.yaml": (FIXTURES / "kql" / "unknown_column.yaml").read_text(),
            "detections/bad.yaml": valid_rule_text(**{"severity: Medium": "severity: Urgent"}),
            "detections/warn.yaml": valid_rule_text(
                **{
                    "id: 4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c": "id: 5b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c",
                    "name: Key Vault secret read by a new caller": "name: Warned rule",
                    "queryPeriod: 1d": "queryPeriod: 2h",
                    '| where OperationName == "SecretGet"': (
                        '| where TimeGenerated > ago(1d)\n  | where OperationName == "x"'
                    ),
                }
            ),
        },
        config="require_cases: false\n",
    )
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["validate", "--format", "sarif"])
    assert res.exit_code == 1
    log = json.loads(res.output)
    assert_valid_sarif(log)

    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CODES)  # every declared code, stable order
    got = {
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in run["results"]
    }
    assert ("DAC402", "error", "detections/kql.yaml", 21, 11) in got
    assert ("DAC213", "error", "detections/bad.yaml", 5, 11) in got
    assert any(
        code == "DAC420" and level == "warning" and uri == "detections/warn.yaml" for code, level, uri, *_ in got
    )
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert r["partialFingerprints"]


def test_file_level_and_outside_findings_are_still_valid():
    result = ValidationResult(
        files_checked=2,
        findings=[
            Finding("detections/unreadable.yaml", 0, 0, "DAC100", "cannot read file"),
            Finding("/elsewhere/rule.yaml", 3, 0, "DAC202", "unknown field", level=Level.WARNING),
        ],
    )
    log = sarif_log(result)
    assert_valid_sarif(log)
    first, second = log["runs"][0]["results"]
    assert "region" not in first["locations"][0]["physicalLocation"]
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "file:///elsewhere/rule.yaml"
    assert second["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}


def test_fingerprints_ignore_line_moves():
    a = Finding("r.yaml", 10, 3, "DAC402", "KS142: unknown name 'X'", field="query")
    b = Finding("r.yaml", 12, 3, "DAC402", "KS142: unknown name 'X'", field="query")
    fp = [sarif_log(ValidationResult(1, [f]))["runs"][0]["results"][0]["partialFingerprints"] for f in (a, b)]
    assert fp[0] == fp[1]


def test_json_output_includes_the_column(make_project, monkeypatch):
    root = make_project({"detections/kql.yaml": (FIXTURES / "kql" / "unknown_column.yaml").read_text()})
    monkeypatch.chdir(root)
    out = json.loads(CliRunner().invoke(main, ["validate", "--format", "json"]).output)
    (err,) = [e for e in out["errors"] if e["code"] == "DAC402"]
    assert (err["line"], err["column"]) == (21, 11)
