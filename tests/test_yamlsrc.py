"""Line numbers for every field, duplicate keys, and query offsets mapped to the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sentinel_dac.content.yamlsrc import Pos, YamlLoadError, load_yaml

DOC = """\
id: 1
nested:
  list:
    - a: 1
      b: two
  when: 2026-01-01
query: |
  T
  | where x == 1
  | project y
folded: >-
  T | where a
  and b
quoted: "T | where c"
"""


def load(tmp_path: Path, text: str, newline: str = "\n"):
    p = tmp_path / "doc.yaml"
    p.write_text(text.replace("\n", newline), newline="")
    return load_yaml(p)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_positions_of_values_and_keys(tmp_path, newline):
    doc = load(tmp_path, DOC, newline)
    assert doc.pos(("id",)) == Pos(1, 5)
    assert doc.pos(("nested", "list", 0, "b")) == Pos(5, 10)
    assert doc.key_pos(("nested", "list", 0, "b")) == Pos(5, 7)
    assert doc.pos(("nested", "list")) == Pos(3, 3), "collections are reported at their key"
    assert doc.pos(("nested", "missing", "deeper")) == Pos(2, 1), "falls back to the nearest parent"
    assert doc.data["nested"]["when"] == "2026-01-01", "timestamps stay strings"


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_query_offsets_map_into_the_file(tmp_path, newline):
    doc = load(tmp_path, DOC, newline)
    q = doc.data["query"]
    assert doc.scalar_offset_pos(("query",), q.index("x ==")) == Pos(9, 11)
    assert doc.scalar_offset_pos(("query",), q.index("project")) == Pos(10, 5)
    f = doc.data["folded"]
    assert doc.scalar_offset_pos(("folded",), f.index("and")) == Pos(13, 3)
    assert doc.scalar_offset_pos(("quoted",), 4) == Pos(14, 14)


def test_duplicate_keys_are_all_reported_at_any_depth(tmp_path):
    doc = load(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    assert [(f.line, f.code) for f in doc.findings] == [(4, "DAC103"), (5, "DAC103")]
    assert doc.data["a"] == 1, "the first value is kept, and the file still fails"
    assert "first defined at line 1" in doc.findings[1].message


def test_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.yaml"
    p.write_bytes(b"\xef\xbb\xbfid: 1\n")
    assert load_yaml(p).data == {"id": 1}


def test_syntax_error_carries_line_and_column(tmp_path):
    with pytest.raises(YamlLoadError) as exc:
        load(tmp_path, "a: 1\nb: [1, 2\nc: 3\n")
    (f,) = exc.value.findings
    assert f.code == "DAC102" and f.line == 3
