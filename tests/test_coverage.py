"""`sentinel-dac coverage`: Navigator layer valid against the 4.5 format; markdown matrix with ATLAS."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from gitrepo import RULE_B, Repo, rule
from sentinel_dac.cli import main

SCHEMA = json.loads((Path(__file__).parent / "navigator" / "layer-4.5.schema.json").read_text())
LATERAL = "relevantTechniques:\n  - T1555\n  - T1021\ntactics:\n  - CredentialAccess\n  - LateralMovement\n"


def project(tmp_path) -> Repo:
    repo = Repo(tmp_path)
    text = rule().replace("tactics: \n  - CredentialAccess\nrelevantTechniques: \n  - T1555\n", "")
    repo.write("detections/a/one.yaml", text.replace("version: 1.0.0", LATERAL + "version: 1.0.0"))
    repo.write("detections/a/one.meta.yaml", "atlas:\n  - AML.T0034\n")
    repo.write("detections/a/two.yaml", rule(RULE_B, name="Second | rule"))
    repo.write("detections/a/old.yaml", rule("5b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", name="Old"))
    repo.write("detections/a/old.meta.yaml", "deprecated: {date: 2026-01-01, reason: gone}\n")
    return repo


def run(root, *args):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def test_navigator_layer_validates_and_scores_rules(tmp_path):
    repo = project(tmp_path)
    result = run(repo.root, "coverage", "--format", "navigator")
    assert result.exit_code == 0, result.output
    layer = json.loads(result.output)
    jsonschema.validate(layer, SCHEMA)
    entries = {(t["techniqueID"], t.get("tactic")): t for t in layer["techniques"]}
    assert entries[("T1555", "credential-access")]["score"] == 2  # one and two; Old is deprecated
    assert entries[("T1021", "lateral-movement")]["score"] == 1
    assert ("T1021", "credential-access") not in entries  # T1021 is not a credential-access technique
    assert layer["versions"] == {"attack": "18", "navigator": "5.2.0", "layer": "4.5"}
    assert "3 " not in layer["description"] and "2 active rules" in layer["description"]


def test_schema_rejects_a_broken_layer():
    bad = {"name": "x", "domain": "enterprise-attack", "techniques": [{"techniqueID": "1555", "tactic": "Credential"}]}
    try:
        jsonschema.validate(bad, SCHEMA)
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a layer with a malformed technique id")


def test_markdown_matrix_with_atlas(tmp_path):
    repo = project(tmp_path)
    out = tmp_path / "coverage.md"
    assert run(repo.root, "coverage", "--out", str(out)).exit_code == 0
    md = out.read_text()
    assert "| Credential Access | T1555 Credentials from Password Stores | Second \\| rule, Test rule |" in md
    assert "| Lateral Movement | T1021 Remote Services | Test rule |" in md
    assert "| Impact | AML.T0034 Cost Harvesting | Test rule |" in md
    assert "Old" not in md
