"""Helper functions shared by the tooling tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from sentinel_dac.config import load_config
from sentinel_dac.content.load import Project, load_project
from sentinel_dac.validate import ValidationResult, validate_project

FIXTURES = Path(__file__).parent / "fixtures"
VALID_RULE = FIXTURES / "rules" / "valid" / "scheduled_full.yaml"
REPO_ROOT = Path(__file__).parent.parent


def repo_subset(dest: Path, *patterns: str) -> Path:
    """A small project made of some of the repository's content (glob patterns, relative to the repo) plus
    the parsers and watchlists it may read: the real content, at the cost of a few rules, not all of them."""
    import shutil

    for folder in ("parsers", "watchlists"):
        shutil.copytree(REPO_ROOT / folder, dest / folder)
    for pattern in patterns:
        matched = sorted(REPO_ROOT.glob(pattern))
        assert matched, f"{pattern} matches nothing in the repository"
        for src in matched:
            target = dest / src.relative_to(REPO_ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, target)
    (dest / "sentinel-dac.yaml").write_text("require_cases: true\n")
    return dest


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


def rule_text(query: str, **fields: object) -> str:
    """A valid analytics rule around `query`; `fields` replace or add top-level fields (YAML text values)."""
    import textwrap

    base = {
        "id": "7d2f5c1e-0b3a-4c6d-9e8f-1a2b3c4d5e6f",
        "name": "Test rule",
        "description": "A rule for engine tests.",
        "severity": "Medium",
        "kind": "Scheduled",
        "requiredDataConnectors": "[]",
        "queryFrequency": "1h",
        "queryPeriod": "1h",
        "triggerOperator": "gt",
        "triggerThreshold": "0",
        "tactics": "\n  - CredentialAccess",
        "relevantTechniques": "\n  - T1555",
        "version": "1.0.0",
    }
    if fields.get("kind") == "NRT":
        for key in ("queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"):
            base.pop(key)
    base.update({k: v for k, v in fields.items() if v is not None})
    for key in [k for k, v in fields.items() if v is None]:
        base.pop(key, None)
    lines = [f"{k}: {v}" for k, v in base.items()]
    lines.append("query: |\n" + textwrap.indent(textwrap.dedent(query).strip("\n"), "  "))
    return "\n".join(lines) + "\n"


def jsonl(*rows: dict) -> str:
    import json

    return "".join(json.dumps(r) + "\n" for r in rows)


def watchlist(alias: str, search_key: str, *rows: dict):
    """A watchlist as loaded content (no file): its columns are the first row's keys."""
    from sentinel_dac.content.model import Watchlist

    columns = tuple(rows[0]) if rows else (search_key,)
    return Watchlist(
        source=None,
        alias=alias,
        display_name=alias,
        description="x",
        provider="x",
        search_key=search_key,
        csv_path=None,
        columns=columns,
        rows=tuple(rows),
    )


def dataset(tables: dict[str, list[dict]] | None = None, delay=None, functions=(), watchlists=(), updated=None):
    """A DataSet from plain rows (JSON-like values, as in a sample file); bad rows fail the test."""
    from datetime import timedelta

    from sentinel_dac.catalog.tables import builtin_catalog
    from sentinel_dac.engine import DataSet
    from sentinel_dac.engine.samples import SampleRow, TableSample, type_row

    catalog = builtin_catalog()
    data = DataSet(catalog)
    for table, rows in (tables or {}).items():
        sample = TableSample(table, "test")
        for i, raw in enumerate(rows):
            (values, ingested), problems = type_row(raw, catalog.get(table), delay or timedelta(0))
            assert not problems, problems
            sample.rows.append(SampleRow(values, ingested, "test", i + 1))
        data.add(sample)
    data.functions = list(functions)
    data.add_watchlists(list(watchlists), updated)
    return data


TARGETS_EMULATOR = FIXTURES / "targets" / "emulator.yaml"
