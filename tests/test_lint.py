"""The code base stays ruff-clean (lint and format), checked in CI like any test."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from helpers import REPO_ROOT

TARGETS = ["tooling", "tests", "benchmarks"]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(args):
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a dev dependency: pip install -e '.[dev]'"
    proc = subprocess.run([ruff, *args, *TARGETS], cwd=REPO_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
