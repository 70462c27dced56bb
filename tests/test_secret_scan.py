"""The repository holds no secrets: detect-secrets over the tree, against the audited baseline.

The same script CI's workflows call (`.ci/secret-scan`); here so the README's test command runs it too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_no_unaudited_secret_in_the_repository():
    assert shutil.which("detect-secrets") or (Path(sys.executable).parent / "detect-secrets").exists(), (
        "detect-secrets is a dev dependency: pip install -e '.[dev]'"
    )
    env_path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    proc = subprocess.run(
        ["bash", str(ROOT / ".ci/secret-scan")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": env_path},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "secret scan: ok" in proc.stdout
