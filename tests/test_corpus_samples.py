"""Real Azure-Sentinel queries on small recorded samples, against results checked by hand.

`tests/corpus/azure_sentinel/checked_samples.yaml`: per corpus query, sample rows (pseudonymised:
example.com, RFC 5737 addresses, zero GUIDs), the expected rows for some of its output columns, and
`why` — how the expectation follows from the KQL's documented semantics. The rows are written as
`<case>.<Table>.jsonl` and read like `sentinel-dac query --data DIR` reads them (typed by the table
catalogue), then the query runs through the same `run_adhoc` path. Picked to exercise the
compatibility layer: 3-argument split, column_ifexists, mv-apply, bag_unpack, named extract_all groups.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from sentinel_dac.engine.embedded import EmbeddedEngine
from sentinel_dac.testing.adhoc import item_query, load_data, run_adhoc
from test_corpus_engine import CORPUS, NOW, OUTCOMES_FILE, corpus_items

CASES = yaml.safe_load((CORPUS / "checked_samples.yaml").read_text())


@pytest.fixture(scope="module")
def corpus():
    project, items = corpus_items()
    engine = EmbeddedEngine()
    yield project, {i.display: i for i in items}, engine
    engine.close()


def test_at_least_twenty_corpus_queries_are_checked_on_samples():
    files = [c["file"] for c in CASES]
    assert len(set(files)) == len(files) >= 20
    recorded = json.loads(OUTCOMES_FILE.read_text())
    assert all(recorded[f] == "runs" for f in files)
    assert all(c["why"].strip() for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["file"].split("/")[-1][:40] for c in CASES])
def test_query_on_samples_gives_the_hand_checked_rows(case, corpus, tmp_path):
    project, items, engine = corpus
    for table, rows in case["samples"].items():
        lines = [json.dumps(r) for r in rows]
        (tmp_path / f"case.{table}.jsonl").write_text("\n".join(lines) + "\n")
    result = run_adhoc(item_query(items[case["file"]]), load_data(project, tmp_path), NOW, engine)
    got = [[_plain(record[c], c in case.get("sets", ())) for c in case["columns"]] for record in result.records()]
    if "sort_by" in case:
        keys = [case["columns"].index(c) for c in case["sort_by"]]
        got.sort(key=lambda r: [str(r[k]) for k in keys])
    assert got == case["rows"], case["why"]


def _plain(value, as_set: bool):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if as_set and isinstance(value, list):
        return sorted(value)
    return value
