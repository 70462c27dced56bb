"""pytest fixtures for the tooling tests; helper functions are in helpers.py.

Tests build small projects in tmp_path, so each test states the content it
needs; none reads ../shared or the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def make_project(tmp_path: Path):
    """Create a project in tmp_path: `files` maps relative paths to text or bytes."""

    def make(files: dict[str, str | bytes], config: str | None = None) -> Path:
        (tmp_path / "sentinel-dac.yaml").write_text(config or "require_cases: true\n")
        for rel, content in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return tmp_path

    return make


@pytest.fixture
def valid_rule_text() -> str:
    from helpers import VALID_RULE

    return VALID_RULE.read_text()


@pytest.fixture
def engine():
    """An embedded engine, closed after the test."""
    from sentinel_dac.engine.embedded import EmbeddedEngine

    e = EmbeddedEngine()
    yield e
    e.close()
