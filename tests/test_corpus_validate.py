"""Real Azure-Sentinel content (tests/corpus/azure_sentinel, MIT) through `validate`, KQL checks on.

Community rules must load as they are. manifest.json lists, for every corpus file, exactly the
findings validate must report (`expect`: code, line, column, level) and, where upstream is broken,
`why`. Each expected finding was checked by hand against the upstream file (the corpus notes record
the same defects). A check that starts rejecting valid community content, moves a finding to the
wrong place, or stops catching a real upstream bug fails here.
"""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from helpers import REPO_ROOT
from sentinel_dac.config import ProjectConfig
from sentinel_dac.content.load import load_project
from sentinel_dac.validate import validate_project

CORPUS = REPO_ROOT / "tests" / "corpus" / "azure_sentinel"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())


@pytest.fixture(scope="module")
def corpus_findings() -> dict[str, list[dict]]:
    paths = {k: CORPUS / "_none" for k in ("parsers", "watchlists", "workbooks", "tables")}
    paths |= {"detections": CORPUS / "analytics", "hunting": CORPUS / "hunting"}
    project = load_project(ProjectConfig(root=CORPUS, paths=paths))
    result = validate_project(project)
    assert result.files_checked == len(MANIFEST)
    found: dict[str, list[dict]] = defaultdict(list)
    for f in result.findings:
        found[f.file].append({"code": f.code, "line": f.line, "column": f.column, "level": f.level.value})
    return found


def test_manifest_lists_every_file():
    # the rules and hunting queries (checked_samples.yaml beside them is test data of test_corpus_samples)
    on_disk = {
        p.relative_to(CORPUS).as_posix()
        for folder in ("analytics", "hunting")
        for p in (CORPUS / folder).rglob("*.yaml")
    }
    assert {e["file"] for e in MANIFEST} == on_disk


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_corpus_file_reports_exactly_what_is_expected(entry, corpus_findings):
    got = sorted(corpus_findings.get(entry["file"], []), key=lambda x: (x["line"], x["column"], x["code"]))
    assert got == entry["expect"], entry.get("why", "expected to be clean")


def test_many_real_rules_pass_with_semantic_checks():
    clean = [
        e for e in MANIFEST if e["kind"] in ("Scheduled", "NRT") and not any(x["level"] == "error" for x in e["expect"])
    ]
    assert len(clean) >= 100
    assert {e["kind"] for e in clean} == {"Scheduled", "NRT"}
