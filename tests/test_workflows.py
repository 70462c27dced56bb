"""The GitHub Actions workflows and the pre-commit config are valid and run the lifecycle checks.

Workflows are validated against SchemaStore's GitHub workflow schema as vendored by check-jsonschema
(`--builtin-schema vendor.github-workflows`, offline); actionlint is not installable from PyPI
without downloading a binary.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from helpers import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("check-jsonschema")
    assert exe, "check-jsonschema is a dev dependency: pip install -e '.[dev]'"
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=REPO_ROOT)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_is_valid(path):
    proc = _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_schema_check_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    assert _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(bad)).returncode == 1


def test_pr_workflow_runs_the_steps_in_order():
    pr = yaml.safe_load((REPO_ROOT / ".github/workflows/pr.yml").read_text())
    runs = " \n".join(s.get("run", "") + s.get("uses", "") for s in pr["jobs"]["check"]["steps"])
    order = [
        "sentinel-dac validate",
        "upload-sarif",
        "sentinel-dac test --junit-xml",
        "action-junit-report",
        'sentinel-dac version check --base "$BASE"',
        "sentinel-dac fmt --check",
        "sentinel-dac docs --check",
        ".ci/secret-scan",
        'sentinel-dac diff --base "$BASE"',
        "gh pr comment",
    ]
    positions = [runs.index(step) for step in order]
    assert positions == sorted(positions)
    plan = pr["jobs"]["plan"]
    assert plan["permissions"]["id-token"] == "write" and plan["needs"] == "check"
    assert any("--plan" in s.get("run", "") for s in plan["steps"])
    deploy = yaml.safe_load((REPO_ROOT / ".github/workflows/deploy.yml").read_text())
    assert deploy["jobs"]["apply"]["environment"] == "production"


def test_ci_and_pre_commit_run_the_lifecycle_checks():
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    for step in (
        "sentinel-dac version check",
        "sentinel-dac fmt --check",
        "sentinel-dac docs --check",
        ".ci/secret-scan",
    ):
        assert step in ci
    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    entries = [h["entry"] for h in hooks]
    assert any(e.startswith("sentinel-dac validate") for e in entries)
    assert "sentinel-dac fmt --check" in entries and "sentinel-dac version check" in entries
    assert any(e.startswith("detect-secrets-hook --baseline .secrets.baseline") for e in entries)
