"""Real Azure-Sentinel content (tests/corpus/azure_sentinel, MIT) through `validate`.

Community rules must load as they are. Every corpus file has its expected
error codes in manifest.json (`validate_errors`, with `validate_why` saying
what is wrong upstream); the clean ones must produce no error at all. A
check that starts rejecting valid community content, or stops catching a
real upstream defect, fails here.
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
def corpus_errors() -> dict[str, list[str]]:
    paths = {k: CORPUS / "_none" for k in ("parsers", "watchlists", "workbooks", "tables")}
    paths |= {"detections": CORPUS / "analytics", "hunting": CORPUS / "hunting"}
    project = load_project(ProjectConfig(root=CORPUS, paths=paths))
    result = validate_project(project)
    assert result.files_checked == len(MANIFEST)
    errors: dict[str, list[str]] = defaultdict(list)
    for f in result.errors:
        errors[f.file].append(f.code)
    return errors


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_corpus_file(entry, corpus_errors):
    got = sorted(corpus_errors.get(entry["file"], []))
    assert got == sorted(entry["validate_errors"]), entry.get("validate_why", "expected to be clean")


def test_at_least_ten_real_analytics_rules_pass():
    clean = [e for e in MANIFEST if e["kind"] in ("Scheduled", "NRT") and not e["validate_errors"]]
    assert len(clean) >= 10
    assert any(e["kind"] == "NRT" for e in clean)
