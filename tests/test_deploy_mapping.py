"""Content → API bodies: one mapping per kind, deterministic names, dependency order, normaliser."""

from __future__ import annotations

import copy
import json

import pytest

from helpers import DEPLOY_PROJECT, FIXTURES, load
from sentinel_dac.deploy import Kind, Placement, WorkspaceRef, build_objects, normalise, object_name
from sentinel_dac.deploy.mapping import order
from sentinel_dac.deploy.objects import ApiObject
from sentinel_dac.deploy.rules import nrt_rule_body, scheduled_rule_body, split_techniques
from sentinel_dac.deploy.savedsearches import function_parameters, parse_function_parameters
from sentinel_dac.emulator.openapi import validate_body
from sentinel_dac.errors import DeployError

WS = WorkspaceRef("11111111-1111-4111-8111-111111111111", "rg-test", "law-test")
SPEC_TYPE = {
    Kind.SCHEDULED_RULE: "alertRules",
    Kind.NRT_RULE: "alertRules",
    Kind.HUNTING_QUERY: "savedSearches",
    Kind.PARSER: "savedSearches",
    Kind.WATCHLIST: "watchlists",
    Kind.WORKBOOK: "workbooks",
}


@pytest.fixture(scope="module")
def objects() -> dict[Kind, ApiObject]:
    objs = build_objects(load(DEPLOY_PROJECT), Placement.of(WS))
    return {o.kind: o for o in objs}


def test_every_kind_is_mapped_and_every_body_matches_microsofts_spec(objects):
    assert set(objects) == set(Kind)
    for kind, obj in objects.items():
        assert validate_body(SPEC_TYPE[kind], obj.api_version, obj.body) == [], kind


def test_scheduled_rule_uses_stable_fields_and_parent_techniques(objects):
    props = objects[Kind.SCHEDULED_RULE].body["properties"]
    assert objects[Kind.SCHEDULED_RULE].api_version == "2025-09-01"
    assert props["techniques"] == ["T1555", "T1552"]  # T1552.001 → its parent: stable has no subTechniques
    assert "subTechniques" not in props
    assert (props["queryFrequency"], props["queryPeriod"], props["suppressionDuration"]) == ("PT1H", "P1D", "PT5H")
    assert props["triggerOperator"] == "GreaterThan" and props["triggerThreshold"] == 0
    assert props["eventGroupingSettings"] == {"aggregationKind": "AlertPerResult"}
    grouping = props["incidentConfiguration"]["groupingConfiguration"]
    assert grouping["matchingMethod"] == "Selected" and grouping["groupByCustomDetails"] == ["SecretReads"]


def test_nrt_rule_uses_preview_with_sub_techniques_and_no_schedule():
    project = load(FIXTURES / "deploy" / "project")
    rule = next(r for r in project.rules if r.kind == "NRT")
    rule.raw["relevantTechniques"] = ["T1562", "T1562.001"]
    rule.techniques = ("T1562", "T1562.001")
    props = nrt_rule_body(rule)["properties"]
    assert props["techniques"] == ["T1562"] and props["subTechniques"] == ["T1562.001"]
    assert not {"queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold"} & set(props)
    assert props["suppressionEnabled"] is False and props["suppressionDuration"] == "PT5H"  # required by the API
    with pytest.raises(ValueError, match="not a Scheduled rule"):
        scheduled_rule_body(rule)


def test_split_techniques_keeps_order_and_dedupes():
    assert split_techniques(["T1071.001", "T1071", "T1555", "T1071.004"]) == (
        ["T1071", "T1555"],
        ["T1071.001", "T1071.004"],
    )


def test_hunting_query_is_a_saved_search_tagged_like_the_portal(objects):
    props = objects[Kind.HUNTING_QUERY].body["properties"]
    assert props["category"] == "Hunting Queries" and props["version"] == 2
    tags = {t["name"]: t["value"] for t in props["tags"]}
    assert tags == {
        "description": "Lists secret reads from vaults in the watchlist.",
        "tactics": "CredentialAccess,Discovery",
        "techniques": "T1555,T1552.001",
    }


def test_parser_is_a_saved_search_with_alias_and_parameters(objects):
    props = objects[Kind.PARSER].body["properties"]
    assert props["functionAlias"] == "KvSecretReads"
    assert props["functionParameters"] == "vault:string='*'"
    assert parse_function_parameters("a:string='x,y',b:datetime=datetime(null),c:dynamic=dynamic([1,2]),d:int") == [
        ("a", "string", "'x,y'"),
        ("b", "datetime", "datetime(null)"),
        ("c", "dynamic", "dynamic([1,2])"),
        ("d", "int", None),
    ]


def test_string_defaults_are_quoted_once():
    project = load(DEPLOY_PROJECT)
    parser = project.parsers[0]
    from sentinel_dac.content.model import FunctionParam

    parser.params = (FunctionParam("a", "string", "it's"), FunctionParam("b", "string", "'done'"))
    assert function_parameters(parser) == r"a:string='it\'s',b:string='done'"


def test_watchlist_carries_its_csv_and_stable_item_ids(objects):
    obj = objects[Kind.WATCHLIST]
    props = obj.body["properties"]
    assert obj.name == "HighValueVaults"
    assert props["rawContent"] == "VaultName,Owner\nkv-prod-ai,team-a\nkv-prod-ml,team-b\n"
    assert (props["contentType"], props["itemsSearchKey"], props["numberOfLinesToSkip"]) == ("text/csv", "VaultName", 0)
    items = obj.extra["items"]
    assert sorted(i["properties"]["itemsKeyValue"]["VaultName"] for i in items.values()) == ["kv-prod-ai", "kv-prod-ml"]
    again = build_objects(load(DEPLOY_PROJECT), Placement.of(WS))
    assert next(o for o in again if o.kind is Kind.WATCHLIST).extra["items"].keys() == items.keys()


def test_workbook_is_linked_to_the_workspace(objects):
    body = objects[Kind.WORKBOOK].body
    props = body["properties"]
    assert body["kind"] == "shared" and body["location"] == "westeurope"
    assert props["category"] == "sentinel" and props["sourceId"] == WS.resource_id
    assert json.loads(props["serializedData"])["version"] == "Notebook/1.0"
    assert props["serializedData"] == json.dumps(
        json.loads(props["serializedData"]), sort_keys=True, separators=(",", ":")
    )


def test_names_are_deterministic_and_differ_by_kind():
    # A literal: if the namespace or the derivation ever changed, every deployed object would be orphaned.
    assert (
        object_name("hunting-query", "2A3B4C5D-6E7F-4A8B-9C0D-1E2F3A4B5C6D") == "3a4a10f5-8e55-5efe-b604-58acf2a97e70"
    )
    assert object_name("parser", "x") != object_name("hunting-query", "x")


def test_rule_name_survives_a_kind_change():
    project = load(DEPLOY_PROJECT)
    rule = next(r for r in project.rules if r.kind == "NRT")
    from sentinel_dac.deploy.rules import rule_object

    before = rule_object(rule).name
    rule.kind = "Scheduled"
    assert rule_object(rule).name == before


def test_dependencies_come_first(objects):
    ordered = build_objects(load(DEPLOY_PROJECT), Placement.of(WS))
    position = {o.key: i for i, o in enumerate(ordered)}
    hunting = objects[Kind.HUNTING_QUERY]
    assert set(hunting.depends_on) == {objects[Kind.WATCHLIST].key, objects[Kind.PARSER].key}
    for dep in hunting.depends_on:
        assert position[dep] < position[hunting.key]


def test_a_dependency_cycle_is_an_error():
    a = ApiObject(Kind.PARSER, "a", "a", "a.yaml", {}, depends_on=((Kind.PARSER, "b"),), title="ParserA")
    b = ApiObject(Kind.PARSER, "b", "b", "b.yaml", {}, depends_on=((Kind.PARSER, "a"),), title="ParserB")
    with pytest.raises(DeployError, match="cycle: Parser"):
        order([a, b])


def _service_shape(kind: Kind, body: dict) -> dict:
    """What a GET answers for `body`: read-only members, nulls, re-serialised durations."""
    got = copy.deepcopy(body)
    got.update({"id": "/subscriptions/x/…", "name": "n", "type": "t", "etag": '"1"', "systemData": {"createdBy": "x"}})
    props = got["properties"]
    if kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
        props.update(
            {"lastModifiedUtc": "2025-01-01T00:00:00Z", "alertRuleTemplateName": None, "templateVersion": None}
        )
        props.setdefault("customDetails", None)
        props["subTechniques"] = props.get("subTechniques", [])
        if "queryPeriod" in props:
            props["queryPeriod"] = "PT24H"
        props["suppressionDuration"] = "PT300M"
        props["triggerOperator"] = props.get("triggerOperator")
        if props["triggerOperator"] is None:
            del props["triggerOperator"]
    elif kind in (Kind.HUNTING_QUERY, Kind.PARSER):
        props["FunctionAlias"] = props.pop("functionAlias", None)
        props["tags"] = [
            *[{"name": t["name"], "value": t["value"].replace(",", ", ")} for t in props.get("tags", [])],
            {"name": "createdBy", "value": "someone@example.com"},
        ]
    elif kind is Kind.WORKBOOK:
        props.update({"timeModified": "2025", "userId": "u", "revision": "r", "storageUri": None, "tags": []})
        props["sourceId"] = props["sourceId"].upper()
        props["serializedData"] = json.dumps(json.loads(props["serializedData"]), indent=2)
        got["location"] = "West Europe"
        got["tags"] = {}
    elif kind is Kind.WATCHLIST:
        raw = props.pop("rawContent")
        assert raw
        props.update(
            {"watchlistId": "w", "provisioningState": "Succeeded", "uploadStatus": "Complete", "isDeleted": False}
        )
    return got


def test_normaliser_turns_service_answers_into_what_we_sent(objects):
    for kind, obj in objects.items():
        got = _service_shape(kind, obj.body)
        assert normalise(kind, got) == normalise(kind, obj.body), kind
        assert normalise(kind, normalise(kind, got)) == normalise(kind, got), f"{kind}: not idempotent"
        if kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE, Kind.PARSER):
            assert normalise(kind, got) == obj.body, f"{kind}: our body is not already canonical"


def test_normaliser_sees_real_changes(objects):
    obj = objects[Kind.SCHEDULED_RULE]
    edited = copy.deepcopy(obj.body)
    edited["properties"]["queryPeriod"] = "P2D"
    assert normalise(obj.kind, edited) != normalise(obj.kind, obj.body)
