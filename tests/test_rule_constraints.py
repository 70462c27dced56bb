"""One failing fixture per rule constraint, each asserting the exact code and line.

Each file in fixtures/rules/invalid/ marks the line(s) where an error must be
reported with a trailing `# expect: DACnnn` comment; the test requires exactly
those findings, no more and no fewer, so a check that fires on the wrong line
or fires twice fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import FIXTURES, codes, validate
from sentinel_dac.findings import CODES

INVALID = sorted((FIXTURES / "rules" / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"#\s*expect:\s*(DAC\d{3})\s*$")


def expected_findings(path: Path) -> list[tuple[str, int, str]]:
    out = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        m = EXPECT.search(line)
        if m:
            out.append((path.name, lineno, m.group(1)))
    return out


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_reports_exactly_the_marked_errors(path: Path, tmp_path: Path):
    expected = expected_findings(path)
    assert expected, f"{path.name} has no '# expect:' marker"
    result = validate(tmp_path, path)
    assert sorted(codes(result)) == sorted(expected), "\n".join(
        f"{f.file}:{f.line}: {f.code} {f.message}" for f in result.findings
    )
    assert result.failed(strict=True)


def test_fixtures_cover_every_rule_constraint_code():
    """Every per-rule code from DAC201 to DAC242 has at least one fixture."""
    covered = {code for p in INVALID for (_, _, code) in expected_findings(p)}
    rule_codes = {c for c in CODES if "DAC201" <= c <= "DAC242" and c not in ("DAC240",)}
    # DAC240 (ATLAS ids) lives in metadata files: see test_cross_file.py
    missing = sorted(rule_codes - covered - {"DAC200"})
    assert not missing, f"no failing fixture for {missing}"


@pytest.mark.parametrize("name", ["scheduled_full.yaml", "nrt_minimal.yaml"])
def test_valid_fixtures_pass(name: str, tmp_path: Path):
    result = validate(tmp_path, FIXTURES / "rules" / "valid" / name)
    assert result.findings == []
    assert result.files_checked == 1


def test_messages_name_the_offending_value(tmp_path: Path):
    result = validate(tmp_path, FIXTURES / "rules" / "invalid" / "severity_invalid.yaml")
    (finding,) = result.findings
    assert "Critical" in finding.message and "Informational" in finding.message
    result = validate(tmp_path, FIXTURES / "rules" / "invalid" / "technique_revoked.yaml")
    (finding,) = result.findings
    assert "T1081" in finding.message and "T1552.001" in finding.message
