"""Temporary git repositories for lifecycle tests: a project, committed step by step."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import rule_text

RULE_A = "7d2f5c1e-0b3a-4c6d-9e8f-1a2b3c4d5e6f"
RULE_B = "0c9a8b7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"


class Repo:
    """A git repository whose root is a sentinel-dac project."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "dev")
        self.git("config", "commit.gpgsign", "false")
        self.write("sentinel-dac.yaml", "require_cases: false\n")

    def git(self, *args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True, text=True, check=True)
        return proc.stdout.strip()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text()

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink()

    def commit(self, message: str = "step") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


def rule(rule_id: str = RULE_A, query: str = "AZKVAuditLogs | where OperationName == 'SecretGet'", **fields) -> str:
    return rule_text(query, id=rule_id, **fields)
