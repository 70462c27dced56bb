"""Real Azure-Sentinel rules and hunting queries pass validation with semantic KQL checks on.

The rules and hunting queries in analytics/ and hunting/ (32 files: Scheduled and NRT rules; time
series, externaldata, table() indirection, bag_unpack, joins...) must pass: no errors, and only the
Sentinel warnings listed in the manifest (e.g. a 90-day look-back in a rule whose queryPeriod is one
day). The known-broken ones carry upstream bugs our checks must report exactly, at the right line and
column. See tests/corpus/azure_sentinel/NOTICE.md for provenance and licence.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from helpers import validate

CORPUS = Path(__file__).parent / "corpus" / "azure_sentinel"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
FOLDER = {"analytics": "detections", "hunting": "hunting"}


@pytest.fixture(scope="module")
def corpus_result(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "sentinel-dac.yaml").write_text("require_cases: false\n")
    for entry in MANIFEST:
        src = CORPUS / entry["file"]
        dest = root / FOLDER[entry["kind_of_content"]] / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    return validate(root)


def findings_for(result, name: str) -> list[dict]:
    return [
        {"code": f.code, "line": f.line, "column": f.column, "level": f.level.value}
        for f in result.findings
        if Path(f.file).name == name
    ]


def test_manifest_lists_every_file_and_enough_clean_rules():
    listed = {e["file"] for e in MANIFEST}
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.yaml")}
    assert listed == on_disk
    passing = [e for e in MANIFEST if not e["file"].startswith("known_broken/")]
    assert all(x["level"] == "warning" for e in passing for x in e["expect"])
    rules = [e for e in passing if e["kind_of_content"] == "analytics"]
    assert len(rules) >= 15 and {e["kind"] for e in rules} >= {"Scheduled", "NRT"}


def test_every_file_was_checked(corpus_result):
    assert corpus_result.files_checked == len(MANIFEST)


def test_real_rules_pass_validate_with_semantic_checks(tmp_path):
    """The passing subset on its own: `validate` succeeds (exit 0) with Kusto.Language checks on."""
    (tmp_path / "sentinel-dac.yaml").write_text("require_cases: false\n")
    for entry in MANIFEST:
        if entry["file"].startswith("known_broken/"):
            continue
        dest = tmp_path / FOLDER[entry["kind_of_content"]] / Path(entry["file"]).name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / entry["file"], dest)
    result = validate(tmp_path)
    assert not result.failed() and not result.errors
    assert result.files_checked == len([e for e in MANIFEST if not e["file"].startswith("known_broken/")])


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_real_content_reports_exactly_what_is_expected(corpus_result, entry):
    got = findings_for(corpus_result, Path(entry["file"]).name)
    assert got == entry["expect"], "\n".join(f.render() for f in corpus_result.findings)
