"""docs/kql-support.md is generated from the code (engine/support.py) and must be up to date."""

from __future__ import annotations

from helpers import REPO_ROOT
from sentinel_dac.engine import support


def test_committed_support_matrix_is_up_to_date():
    committed = (REPO_ROOT / "docs" / "kql-support.md").read_text()
    assert committed == support.matrix(), "run: python -m sentinel_dac.engine.support > docs/kql-support.md"


def test_matrix_classifies_operators_and_functions_from_the_code():
    text = support.matrix()
    assert "| `mv-apply` | layer |" in text and "| `where` | native |" in text and "| `fork` | no |" in text
    assert "| `ipv4_is_private` | layer |" in text and "| `strcat` | native |" in text
    assert "| `series_decompose_anomalies` | layer |" in text
    assert "| `hash` | layer |" in text and "| `autocluster` | no |" in text
