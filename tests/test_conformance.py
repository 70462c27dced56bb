"""The embedded engine against Microsoft's documented KQL examples (tests/conformance/, 122 entries).

Every entry must end as recorded in conformance/expectations.py: reproduce the docs (`pass`),
refuse with UnsupportedKql (`refused`, never a wrong answer), or diverge in a known, explained way
(`wrong`: a strict xfail, so a silent change in either direction fails).
"""

from __future__ import annotations

import pytest

from conformance.compare import entries, outcome
from conformance.expectations import REFUSED, WRONG
from sentinel_dac.engine.embedded import EmbeddedEngine

ENTRIES = entries()


@pytest.fixture(scope="module")
def engine():
    e = EmbeddedEngine()
    yield e
    e.close()


def _params():
    for entry in ENTRIES:
        marks = []
        if entry["id"] in WRONG:
            marks.append(pytest.mark.xfail(reason=WRONG[entry["id"]], strict=True))
        yield pytest.param(entry, id=entry["id"], marks=marks)


def test_table_is_large_enough_and_classified():
    ids = [e["id"] for e in ENTRIES]
    assert len(ids) == len(set(ids)) >= 115
    assert set(REFUSED) <= set(ids) and set(WRONG) <= set(ids)
    assert not set(REFUSED) & set(WRONG)
    assert len(set(ids) - set(REFUSED) - set(WRONG)) >= 40, "at least 40 documented examples must be reproduced"


@pytest.mark.parametrize("entry", list(_params()))
def test_entry(entry, engine):
    result, detail = outcome(entry, engine)
    if entry["id"] in REFUSED:
        assert result == "refused", f"now answers ({result}: {detail}); check it against the docs and re-classify"
        return
    assert result == "pass", f"{result}: {detail}\n{entry['kql']}"
