"""Bad input gets a clear finding with file and line -- never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import load, validate
from sentinel_dac.cli import main


def only(result):
    assert len(result.findings) == 1, [f.message for f in result.findings]
    return result.findings[0]


@pytest.mark.parametrize(
    ("content", "code", "line", "words"),
    [
        ("", "DAC104", 0, "empty"),
        ("# only a comment\n\n", "DAC104", 0, "empty"),
        ("id: [unclosed\nname: x\n", "DAC102", 2, "YAML syntax"),
        ("id: x\n  name: y\n", "DAC102", 2, "YAML syntax"),
        ("- id: x\n- id: y\n", "DAC105", 1, "found a list"),
        ("just a string\n", "DAC105", 1, "single value"),
        ("a: 1\n---\nb: 2\n", "DAC107", 2, "more than one"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "DAC108", 3, "merge keys"),
        ("? [a, b]\n: 1\n", "DAC108", 1, "plain strings"),
    ],
    ids=[
        "empty",
        "comment-only",
        "unclosed-flow",
        "bad-indent",
        "list",
        "scalar",
        "multi-doc",
        "merge-key",
        "complex-key",
    ],
)
def test_malformed_yaml(make_project, content, code, line, words):
    root = make_project({"detections/x/bad.yaml": content})
    f = only(validate(root))
    assert (f.file, f.code, f.line) == ("detections/x/bad.yaml", code, line)
    assert words in f.message


def test_binary_junk(make_project):
    root = make_project({"detections/junk.yaml": bytes(range(256)) * 4})
    f = only(validate(root))
    assert f.code == "DAC101" and "binary" in f.message


def test_not_utf8(make_project):
    root = make_project({"detections/latin1.yaml": "name: caf\xe9\n".encode("latin-1")})
    f = only(validate(root))
    assert f.code == "DAC101" and "UTF-8" in f.message


def test_ten_megabyte_file_is_refused_without_reading_it(make_project):
    root = make_project({"detections/huge.yaml": "a: " + "x" * (10 * 1024 * 1024) + "\n"})
    f = only(validate(root))
    assert f.code == "DAC106" and "10.0 MB" in f.message


def test_unreadable_file(make_project, monkeypatch):
    """A mode-000 file; as root (who reads anything) the OS refusal is simulated."""
    root = make_project({"detections/secret.yaml": "id: x\n"})
    (root / "detections/secret.yaml").chmod(0)
    if os.geteuid() == 0:
        real = Path.read_bytes

        def refuse(self: Path) -> bytes:
            if self.name == "secret.yaml":
                raise PermissionError(13, "Permission denied")
            return real(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    f = only(validate(root))
    assert f.code == "DAC100" and "Permission denied" in f.message


def test_unknown_content_outside_content_folders(tmp_path):
    odd = tmp_path / "notes.yaml"
    odd.write_text("title: not content\n")
    f = only(validate(tmp_path, odd))
    assert f.code == "DAC109"


def test_thousands_of_files_each_reported(make_project):
    files = {f"detections/many/r{i:04d}.yaml": "- not a mapping\n" for i in range(3000)}
    root = make_project(files)
    result = validate(root)
    assert result.files_checked == 3000
    assert len(result.findings) == 3000
    assert {f.code for f in result.findings} == {"DAC105"}


def test_cli_never_shows_a_traceback_for_bad_input(make_project, monkeypatch):
    root = make_project(
        {
            "detections/a.yaml": bytes([0, 1, 2, 255]),
            "detections/b.yaml": "- x\n",
            "detections/c.yaml": "id: [\n",
            "detections/d.yaml": "",
        }
    )
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["validate"])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    for name in "abcd":
        assert f"detections/{name}.yaml:" in res.output


def test_loader_keeps_going_after_a_bad_file(make_project, valid_rule_text):
    root = make_project({"detections/a_bad.yaml": "- x\n", "detections/b_good.yaml": valid_rule_text})
    project = load(root)
    assert [r.name for r in project.rules] == ["Key Vault secret read by a new caller"]
