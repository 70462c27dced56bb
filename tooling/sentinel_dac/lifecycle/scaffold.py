"""`sentinel-dac new rule|hunting|test`: new content from templates, with a fresh GUID.

The stubs are valid where they can be (the rule passes `validate`) and deliberately fail where only
the author can fill them in: the sample file is empty, so `check` reports DAC505 at it until it
holds real rows, and the test cases name it. Nothing is overwritten: an existing file is an error.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..content.load import Project, sibling_stem
from ..content.model import AnalyticsRule, ContentItem
from ..errors import UsageError

STUB_NOTE = (
    "the stubs must be filled in before `sentinel-dac check` passes: write the query, put recorded rows "
    "in the sample file (one JSON object per line) and state what each case expects"
)


@dataclass
class Scaffold:
    files: list[Path] = field(default_factory=list)
    rule_id: str | None = None


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not s:
        raise UsageError(f"cannot make a file name from '{name}': use letters or digits")
    return s[:80]


def _family(family: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", family):
        raise UsageError(f"family '{family}' must be lower-case letters, digits and dashes")
    return family


def _check_free(paths: list[Path]) -> None:
    taken = [p for p in paths if p.exists()]
    if taken:
        raise UsageError(f"{taken[0]} already exists; nothing was written")


def _write_all(files: dict[Path, str]) -> list[Path]:
    _check_free(list(files))
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return list(files)


def new_rule(project: Project, name: str, family: str, table: str, kind: str = "Scheduled") -> Scaffold:
    """A rule, its .meta.yaml, a tests file (one positive, one negative case) and an empty sample."""
    folder = project.config.paths["detections"] / _family(family)
    stem = slug(name)
    rule_id = str(uuid.uuid4())
    schedule = (
        "queryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\n" if kind == "Scheduled" else ""
    )
    time_filter = "| where TimeGenerated > ago(1h)\n  " if kind == "Scheduled" else ""
    rule = (
        f"id: {rule_id}\n"
        f"name: {_yaml_text(name)}\n"
        "description: |\n"
        "  TODO: what this rule detects, why it matters and how to triage an alert.\n"
        "severity: Medium\n"
        f"kind: {kind}\n"
        "requiredDataConnectors: []\n"
        f"{schedule}"
        "tactics: []\n"
        "relevantTechniques: []\n"
        "query: |\n"
        "  // TODO: the detection logic\n"
        f"  {table}\n"
        f"  {time_filter}| take 10\n"
        "eventGroupingSettings:\n"
        "  aggregationKind: SingleAlert\n"
        "version: 1.0.0\n"
    )
    meta = f"family: {family}\nprerequisites: []\nreferences: []\n"
    files = {
        folder / f"{stem}.yaml": rule,
        folder / f"{stem}.meta.yaml": meta,
        **_test_files(folder, stem, table),
    }
    return Scaffold(_write_all(files), rule_id)


def new_hunting(project: Project, name: str, family: str, table: str) -> Scaffold:
    folder = project.config.paths["hunting"] / _family(family)
    rule_id = str(uuid.uuid4())
    text = (
        f"id: {rule_id}\n"
        f"name: {_yaml_text(name)}\n"
        "description: |\n"
        "  TODO: what this query hunts for and how to read its results.\n"
        "requiredDataConnectors: []\n"
        "tactics: []\n"
        "relevantTechniques: []\n"
        "query: |\n"
        "  // TODO: the hunting logic\n"
        f"  {table}\n"
        "  | where TimeGenerated > ago(7d)\n"
        "  | take 100\n"
        "version: 1.0.0\n"
    )
    return Scaffold(_write_all({folder / f"{slug(name)}.yaml": text}), rule_id)


def new_tests(project: Project, rule_path: Path) -> Scaffold:
    """A tests file and an empty sample for an existing analytics rule or hunting query."""
    target = rule_path.resolve()
    item = next((r for r in project.items() if r.path.resolve() == target), None)
    if item is None:
        raise UsageError(
            f"{rule_path} is not an analytics rule or hunting query that loads (see `sentinel-dac validate`)"
        )
    stem = sibling_stem(target)
    hunting = not isinstance(item, AnalyticsRule)
    return Scaffold(_write_all(_test_files(stem.parent, stem.name, _first_table(item), hunting)), item.id)


def _first_table(rule: ContentItem) -> str:
    for connector in rule.required_data_connectors:
        if connector.data_types:
            return connector.data_types[0]
    m = re.search(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\||$)", _strip_comments(rule.query), re.M)
    return m.group(1) if m else "Table"


def _strip_comments(query: str) -> str:
    return "\n".join(line.split("//", 1)[0] for line in query.splitlines() if not line.lstrip().startswith("let "))


def _test_files(folder: Path, stem: str, table: str, hunting: bool = False) -> dict[Path, str]:
    sample = f"samples/{stem}.{table}.jsonl"
    positive, expectation, negative = (
        ("what this query hunts for returns rows", "result_count: 1", "ordinary activity returns no rows")
        if hunting
        else ("the attack this rule exists for raises an alert", "alert_count: 1", "ordinary activity raises nothing")
    )
    tests = (
        "# Test cases (docs/testing.md). TODO: fill the sample file with recorded rows, then say what\n"
        "# each case expects; `sentinel-dac check` fails on the empty sample until then.\n"
        "cases:\n"
        f"  - name: TODO {positive}\n"
        "    kind: positive\n"
        "    now: 2024-05-01T12:00:00Z\n"
        "    samples:\n"
        f"      - file: {sample}\n"
        "    expect:\n"
        f"      {expectation}\n"
        f"  - name: TODO {negative}\n"
        "    kind: negative\n"
        "    now: 2024-05-01T12:00:00Z\n"
        "    samples:\n"
        f"      - file: {sample}\n"
    )
    return {folder / f"{stem}.tests.yaml": tests, folder / sample: ""}


def _yaml_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
