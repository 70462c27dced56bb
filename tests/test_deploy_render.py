"""Rendering a project for one target: parameters into KQL, selection with dependencies, overrides."""

from __future__ import annotations

import pytest

from deploy_helpers import TARGETS, project_copy
from helpers import load, validate
from sentinel_dac.deploy.plan import desired_objects
from sentinel_dac.deploy.render import kql_literal, render_for_target, render_query
from sentinel_dac.errors import DeployError
from sentinel_dac.targets import load_targets

QUERY = """let threshold = 10;
let window = 1h;
let name = "SecretGet";
  let nested = 3;
T | where x > threshold and y == name | where z > ago(window)
"""


def test_literals_keep_their_kind():
    assert kql_literal("10", 25) == "25" and kql_literal("10", 2.5) == "2.5"
    assert kql_literal('"a"', "it's") == "'it\\'s'"
    assert kql_literal("1h", "30m") == "30m"
    assert kql_literal("false", True) == "true"
    with pytest.raises(ValueError, match="cannot replace the literal 1h"):
        kql_literal("1h", "soon")


def test_render_replaces_only_top_level_lets():
    out = render_query(QUERY, {"threshold": 50, "window": "2h", "name": "SecretList", "nested": 9})
    assert out.splitlines()[:4] == [
        "let threshold = 50;",
        "let window = 2h;",
        "let name = 'SecretList';",
        "  let nested = 9;",
    ]
    assert out.splitlines()[4] == QUERY.splitlines()[4]  # the body is untouched
    with pytest.raises(ValueError, match="no top-level `let missing"):
        render_query(QUERY, {"missing": 1})


def test_families_select_rules_and_bring_their_dependencies(tmp_path):
    root = project_copy(
        tmp_path,
        TARGETS.replace(
            "    workspaceId: 22222222-2222-4222-8222-222222222222\n",
            "    workspaceId: 22222222-2222-4222-8222-222222222222\n    content:\n      include: [hunting]\n",
            1,
        ),
    )
    objects = desired_objects(load(root), load_targets(root)["prod"])
    # the hunting query alone is selected; the parser and watchlist it reads come with it, nothing else
    assert sorted(o.kind.value for o in objects) == ["hunting-query", "parser", "watchlist"]
    assert [o.kind.value for o in objects] == ["watchlist", "parser", "hunting-query"]  # dependency order


def test_selection_matching_nothing_is_an_error_at_its_line(tmp_path):
    root = project_copy(
        tmp_path,
        TARGETS.replace(
            "    workspaceId: 22222222-2222-4222-8222-222222222222\n",
            "    workspaceId: 22222222-2222-4222-8222-222222222222\n    content:\n      families: [nothing]\n",
            1,
        ),
    )
    with pytest.raises(DeployError, match=r"workspaces.yaml:8: DAC604 target 'prod' selects no rule"):
        render_for_target(load(root), load_targets(root)["prod"])


def test_watchlist_override_gives_a_target_its_own_items(tmp_path):
    root = project_copy(
        tmp_path,
        TARGETS.replace(
            "    workspaceId: 22222222-2222-4222-8222-222222222222\n",
            "    workspaceId: 22222222-2222-4222-8222-222222222222\n    overrides:\n"
            "      watchlists: {HighValueVaults: lists/prod.csv}\n",
            1,
        ),
    )
    (root / "lists").mkdir()
    (root / "lists" / "prod.csv").write_text("VaultName,Owner\nkv-prod-only,team-z\n")
    objects = {o.kind.value: o for o in desired_objects(load(root), load_targets(root)["prod"])}
    rows = [b["properties"]["itemsKeyValue"] for b in objects["watchlist"].extra["items"].values()]
    assert rows == [{"VaultName": "kv-prod-only", "Owner": "team-z"}]
    assert "kv-prod-only" in objects["watchlist"].body["properties"]["rawContent"]
    (root / "lists" / "prod.csv").write_text("Vault,Owner\nx,y\n")
    with pytest.raises(DeployError, match="itemsSearchKey 'VaultName' is not one of its columns"):
        desired_objects(load(root), load_targets(root)["prod"])


def test_declared_parameter_without_a_let_is_a_validation_error(tmp_path):
    root = project_copy(tmp_path)
    (root / "detections" / "kv" / "scheduled_full.meta.yaml").write_text("family: kv\nparameters:\n  - threshold\n")
    found = [(f.file, f.line, f.code) for f in validate(root).findings if f.code == "DAC603"]
    assert found == [("detections/kv/scheduled_full.meta.yaml", 3, "DAC603")]
