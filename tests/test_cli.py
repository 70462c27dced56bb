"""The CLI: exit codes, output formats, --help on every command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import FIXTURES, valid_rule_text
from sentinel_dac.cli import main


def run(args, cwd=None, monkeypatch=None):
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, args)


def all_commands(group=main, prefix=()):
    for name, cmd in group.commands.items():
        yield (*prefix, name)
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, (*prefix, name))


@pytest.mark.parametrize("command", [(), *all_commands()], ids=lambda c: " ".join(c) or "root")
def test_help_works_for_every_command(command):
    res = run([*command, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.output


def test_validate_clean_project_exits_0(make_project, monkeypatch):
    root = make_project({"detections/kv/rule.yaml": valid_rule_text()})
    res = run(["validate"], root, monkeypatch)
    assert res.exit_code == 0, res.output
    assert "OK: 1 file(s) checked, 0 error(s)" in res.output


def test_validate_errors_exit_1_with_file_line_code(make_project, monkeypatch):
    root = make_project({"detections/kv/rule.yaml": valid_rule_text(**{"severity: Medium": "severity: Urgent"})})
    res = run(["validate"], root, monkeypatch)
    assert res.exit_code == 1
    assert res.output.splitlines()[0].startswith("detections/kv/rule.yaml:5:11: DAC213 ")


def test_validate_usage_error_exits_2(make_project, monkeypatch):
    root = make_project({})
    assert run(["validate", "no/such/path"], root, monkeypatch).exit_code == 2
    assert run(["validate", "--format", "xml"], root, monkeypatch).exit_code == 2


def test_validate_json_output(make_project, monkeypatch):
    root = make_project(
        {
            "detections/good.yaml": valid_rule_text(),
            "detections/bad.yaml": valid_rule_text(
                **{
                    "id: 4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c": "id: 11111111-2222-4333-8444-555555555555",
                    "name: Key Vault secret read by a new caller": "name: Other",
                    "triggerThreshold: 0": "triggerThreshold: 20000",
                }
            ),
        }
    )
    res = run(["validate", "--format", "json"], root, monkeypatch)
    assert res.exit_code == 1
    out = json.loads(res.output)
    assert out["files_checked"] == 2
    (err,) = out["errors"]
    assert {k: err[k] for k in ("file", "line", "code")} == {
        "file": "detections/bad.yaml",
        "line": 15,
        "code": "DAC221",
    }
    assert "10,000" in err["message"]


def test_validate_only_the_given_paths(make_project, monkeypatch):
    root = make_project(
        {
            "detections/good.yaml": valid_rule_text(),
            "detections/bad/bad.yaml": "- x\n",
        }
    )
    res = run(["validate", "detections/good.yaml"], root, monkeypatch)
    assert res.exit_code == 0, res.output
    assert "1 file(s) checked" in res.output


def test_strict_turns_warnings_into_failure(make_project, monkeypatch):
    rule = valid_rule_text(**{"status: Available": "status: Available\nreleaseNotes: none"})
    root = make_project({"detections/r.yaml": rule})
    assert run(["validate"], root, monkeypatch).exit_code == 0
    res = run(["validate", "--strict"], root, monkeypatch)
    assert res.exit_code == 1 and "releaseNotes" in res.output


def test_invalid_project_config_is_a_clear_error(make_project, monkeypatch):
    root = make_project({}, config="paths:\n  detection: rules\n")
    res = run(["validate"], root, monkeypatch)
    assert res.exit_code == 1
    assert "sentinel-dac.yaml:2:" in res.output and "DAC253" in res.output and "Traceback" not in res.output


def test_check_runs_validate_and_summarises(make_project, monkeypatch):
    root = make_project({"detections/r.yaml": valid_rule_text()}, config="require_cases: false\n")
    res = run(["check"], root, monkeypatch)
    assert res.exit_code == 1 and "DAC804 no version lock yet" in res.output, res.output
    assert "lifecycle: FAILED -- version (fix: sentinel-dac version lock" in res.output
    assert run(["version", "lock"], root, monkeypatch).exit_code == 0
    res = run(["check"], root, monkeypatch)
    assert res.exit_code == 0, res.output
    assert "validate: ok" in res.output and "1 rules" in res.output
    assert "test: OK: 1 rule(s), 0 case(s)" in res.output
    assert "lifecycle: ok" in res.output


def test_check_fails_on_a_stale_rule_catalogue_once_the_project_has_one(make_project, monkeypatch):
    root = make_project({"detections/r.yaml": valid_rule_text()}, config="require_cases: false\n")
    assert run(["version", "lock"], root, monkeypatch).exit_code == 0
    assert run(["docs"], root, monkeypatch).exit_code == 0
    (root / "detections/r.yaml").write_text(valid_rule_text().replace("name: ", "name: Renamed ", 1))
    res = run(["check"], root, monkeypatch)
    assert res.exit_code == 1 and "docs (fix: sentinel-dac docs)" in res.output, res.output


def test_check_fails_a_rule_without_cases_when_required(make_project, monkeypatch):
    root = make_project({"detections/r.yaml": valid_rule_text()})
    res = run(["check"], root, monkeypatch)
    assert res.exit_code == 1, res.output
    assert "detections/r.yaml:1: DAC512 no test cases: add r.tests.yaml" in res.output
    assert "validate: ok" in res.output and "test: FAILED" in res.output


def test_check_fails_on_errors(make_project, monkeypatch):
    root = make_project({"detections/r.yaml": "- x\n"})
    res = run(["check"], root, monkeypatch)
    assert res.exit_code == 1 and "validate: FAILED" in res.output


def test_internal_errors_are_one_line(make_project, monkeypatch):
    root = make_project({"detections/r.yaml": valid_rule_text()})
    import sentinel_dac.cli.validate_cmd as cmd

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(cmd, "validate_project", boom)
    res = run(["validate"], root, monkeypatch)
    assert res.exit_code == 1
    assert "internal error: RuntimeError: kaput" in res.output and "Traceback" not in res.output


def test_fixture_paths_outside_project_are_classified_by_fields(tmp_path, monkeypatch):
    res = run(["validate", str(FIXTURES / "rules" / "valid")], tmp_path, monkeypatch)
    assert res.exit_code == 0, res.output
    assert "2 file(s) checked" in res.output
