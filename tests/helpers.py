"""Helper functions shared by the tooling tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from sentinel_dac.config import load_config
from sentinel_dac.content.load import Project, load_project
from sentinel_dac.validate import ValidationResult, validate_project

FIXTURES = Path(__file__).parent / "fixtures"
VALID_RULE = FIXTURES / "rules" / "valid" / "scheduled_full.yaml"
REPO_ROOT = Path(__file__).parent.parent


def load(root: Path, *extra: Path) -> Project:
    return load_project(load_config(root), extra)


def validate(root: Path, *selection: Path) -> ValidationResult:
    """Validate like the CLI does: the whole project, findings for `selection`."""
    return validate_project(load(root, *selection), selection=list(selection) or None)


def valid_rule_text(**replace: str) -> str:
    """The full valid fixture rule, with exact-text replacements applied."""
    text = VALID_RULE.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def codes(result: ValidationResult) -> list[tuple[str, int, str]]:
    return [(Path(f.file).name, f.line, f.code) for f in result.findings]


EMULATOR_WORKSPACES = FIXTURES / "emulator" / "workspaces.yaml"
DEPLOY_PROJECT = FIXTURES / "deploy" / "project"


def sdk_error(call) -> Exception:
    """The exception an SDK call raises (the test fails if it raises none)."""
    try:
        call()
    except Exception as exc:  # the caller asserts on the type and message
        return exc
    raise AssertionError("the call succeeded but was expected to fail")
