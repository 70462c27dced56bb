"""The emulator answers bad requests like ARM: 400 with a clear message, 409/412 on etags, paging."""

from __future__ import annotations

import copy
import json
import ssl
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from helpers import DEPLOY_PROJECT, load, sdk_error
from sentinel_dac.deploy import Kind, Placement, build_objects
from sentinel_dac.deploy.clients import get, put
from sentinel_dac.deploy.names import object_name


@pytest.fixture
def setup(emu):
    ws = emu.state.workspaces[0].ref
    return ws, {o.kind: o for o in build_objects(load(DEPLOY_PROJECT), Placement.of(ws))}


def _rule(setup, kind=Kind.SCHEDULED_RULE):
    return copy.deepcopy(setup[1][kind])


def _error(call) -> HttpResponseError:
    err = sdk_error(call)
    assert isinstance(err, HttpResponseError), repr(err)
    return err


def test_a_wrong_field_is_a_400_naming_it(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["queryFrequence"] = rule.body["properties"].pop("queryFrequency")
    err = _error(lambda: put(clients, ws, rule))
    assert err.status_code == 400 and err.error.code == "BadRequest"
    assert "Could not find member 'queryFrequence' on object of type 'ScheduledAlertRuleProperties'" in err.message
    assert "queryFrequency' is required" in err.message


def test_a_wrong_value_is_a_400_naming_the_allowed_ones(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["severity"] = "Critical"
    err = _error(lambda: put(clients, ws, rule))
    assert err.status_code == 400
    assert "properties.severity: 'Critical' is not one of High, Medium, Low, Informational" in err.message


def test_an_over_long_name_is_a_400_from_our_limits(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["displayName"] = "x" * 257
    err = _error(lambda: put(clients, ws, rule))
    assert err.status_code == 400
    assert "properties.displayName: name must be 1 to 256 characters" in err.message and "DAC211" in err.message


def test_service_limits_beyond_the_schema_are_enforced(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["queryPeriod"] = "PT30M"  # shorter than the 1h frequency
    err = _error(lambda: put(clients, ws, rule))
    assert "queryPeriod 30m is shorter than queryFrequency 1h" in err.message and "DAC217" in err.message


def test_a_missing_table_is_a_400_like_sentinels(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["query"] = "SigninLogs | where ResultType == 0"
    err = _error(lambda: put(clients, ws, rule))
    assert err.status_code == 400 and err.error.code == "BadRequest"
    assert "Failed to run the analytics rule query. One of the tables does not exist." in err.message
    assert "'SigninLogs'" in err.message and "law-test" in err.message


def test_a_missing_column_is_a_400_with_its_place(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["query"] = "AZKVAuditLogs\n| where NoSuchColumn == 1"
    err = _error(lambda: put(clients, ws, rule))
    assert "Failed to run the analytics rule query." in err.message
    assert "'NoSuchColumn'" in err.message and "line 2, column 9" in err.message


def test_a_basic_plan_table_cannot_be_queried_by_a_rule(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["query"] = "ContainerLogV2 | take 1"
    err = _error(lambda: put(clients, ws, rule))
    assert "One of the tables does not exist" in err.message and "Basic or Auxiliary plan" in err.message


def test_queries_see_deployed_functions_and_watchlists(setup, clients):
    ws, objects = setup
    rule = _rule(setup)
    rule.body["properties"]["query"] = (
        "KvSecretReads('*') | join kind=inner (_GetWatchlist('HighValueVaults') | project VaultName) "
        "on $left._ResourceId == $right.VaultName"
    )
    err = _error(lambda: put(clients, ws, rule))  # neither exists yet
    assert "KvSecretReads" in err.message
    put(clients, ws, objects[Kind.WATCHLIST])
    put(clients, ws, objects[Kind.PARSER])
    put(clients, ws, rule)
    bad = copy.deepcopy(rule)
    bad.body["properties"]["query"] = "_GetWatchlist('HighValueVaults') | project NotAColumn"
    assert "'NotAColumn'" in _error(lambda: put(clients, ws, bad)).message


def test_stable_api_rejects_a_sub_technique_in_techniques(setup, clients):
    ws, _ = setup
    rule = _rule(setup)
    rule.body["properties"]["techniques"] = ["T1071.001"]
    err = _error(lambda: put(clients, ws, rule))
    assert "The technique 'T1071.001' is invalid. The expected format is 'T####'" in err.message


def test_nrt_needs_a_preview_api_version(setup, clients):
    ws, _ = setup
    nrt = _rule(setup, Kind.NRT_RULE)
    err = _error(
        lambda: clients.stable_insights.alert_rules.create_or_update(
            ws.resource_group, ws.workspace_name, nrt.name, nrt.body
        )
    )
    assert err.status_code == 400 and "the kind 'NRT' is not supported in api-version 2025-09-01" in err.message


def test_an_unknown_api_version_is_refused(setup, emu):
    from sentinel_dac.deploy.clients import make_clients

    odd = make_clients(
        emu.credential(), setup[0].subscription_id, base_url=emu.base_url, connection_verify=str(emu.ca_path)
    )
    from azure.mgmt.securityinsight import SecurityInsightsMgmtClient

    odd.stable_insights = SecurityInsightsMgmtClient(
        emu.credential(), setup[0].subscription_id, base_url=emu.base_url, connection_verify=str(emu.ca_path)
    )  # the SDK's own default, 2025-10-01-preview, for which the emulator has no spec
    err = _error(lambda: put(odd, setup[0], _rule(setup)))
    assert err.error.code == "NoRegisteredProviderFound" and "2025-10-01-preview" in err.message


def test_a_kind_change_is_refused_unless_allowed(setup, clients, emu):
    ws, _ = setup
    nrt = _rule(setup, Kind.NRT_RULE)
    put(clients, ws, nrt)
    scheduled = _rule(setup)
    scheduled.name = nrt.name
    err = _error(lambda: put(clients, ws, scheduled))
    assert "cannot change from NRT to Scheduled" in err.message
    emu.state.settings.kind_change = "allow"
    assert put(clients, ws, scheduled)["kind"] == "Scheduled"


def test_saved_search_overwrite_needs_the_etag(setup, clients):
    ws, objects = setup
    hunting = objects[Kind.HUNTING_QUERY]
    first = put(clients, ws, hunting)
    err = sdk_error(lambda: put(clients, ws, hunting))  # no etag over an existing saved search
    assert isinstance(err, ResourceExistsError) and err.status_code == 409
    assert "Newer data exists" in err.message
    stale = sdk_error(lambda: put(clients, ws, hunting, etag='"not-current"'))
    assert isinstance(stale, ResourceExistsError)
    second = put(clients, ws, hunting, etag=first["etag"])
    assert second["etag"] != first["etag"]
    put(clients, ws, hunting, etag="*")


def test_alert_rule_stale_etag_is_409_or_412_as_configured(setup, clients, emu):
    ws, _ = setup
    rule = _rule(setup)
    first = put(clients, ws, rule)
    put(clients, ws, rule)  # no etag: last writer wins
    err = sdk_error(lambda: put(clients, ws, rule, etag=first["etag"]))  # stale now
    assert isinstance(err, ResourceExistsError) and err.status_code == 409
    emu.state.settings.etag_modes["alertRules"] = "precondition"
    err = _error(lambda: put(clients, ws, rule, etag=first["etag"]))
    assert err.status_code == 412
    current = get(clients, ws, rule)["etag"]
    put(clients, ws, rule, etag=current)


def test_a_parser_alias_must_be_a_kql_name_and_unique(setup, clients):
    ws, objects = setup
    parser = copy.deepcopy(objects[Kind.PARSER])
    parser.body["properties"]["functionAlias"] = "not valid"
    assert "is not a valid KQL function name" in _error(lambda: put(clients, ws, parser)).message
    put(clients, ws, objects[Kind.PARSER])
    twin = copy.deepcopy(objects[Kind.PARSER])
    twin.name = object_name("parser", "another")
    assert "already exists" in _error(lambda: put(clients, ws, twin)).message


def test_watchlist_csv_problems_are_400(setup, clients):
    ws, objects = setup
    wl = copy.deepcopy(objects[Kind.WATCHLIST])
    wl.body["properties"]["rawContent"] = "Owner\nteam-a\n"
    err = _error(lambda: put(clients, ws, wl))
    assert "'VaultName' is not a column of rawContent" in err.message


def test_workbook_names_must_be_uuids(setup, clients):
    ws, objects = setup
    wb = copy.deepcopy(objects[Kind.WORKBOOK])
    wb.name = "my-workbook"
    err = _error(lambda: put(clients, ws, wb))
    assert err.status_code == 400 and "must be a UUID" in err.message


def test_paging_past_a_hundred_objects(setup, clients, emu):
    ws, _ = setup
    names = set()
    for i in range(120):
        rule = _rule(setup)
        rule.name = object_name("analytics-rule", f"paging-{i}")
        rule.body["properties"]["displayName"] = f"Paging rule {i}"
        put(clients, ws, rule)
        names.add(rule.name)
    emu.requests.clear()
    listed = [r.name for r in clients.stable_insights.alert_rules.list(ws.resource_group, ws.workspace_name)]
    assert sorted(listed) == sorted(names) and len(listed) == 120
    pages = [r for r in emu.requests if r.method == "GET" and r.path.endswith("/alertRules")]
    assert len(pages) == 3  # 50 + 50 + 20, following nextLink


def test_requests_without_a_token_are_401(emu):
    ws = emu.state.workspaces[0].ref
    url = f"{emu.base_url}{ws.resource_id}/providers/Microsoft.SecurityInsights/alertRules?api-version=2025-09-01"
    ctx = ssl.create_default_context(cafile=str(emu.ca_path))
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url, context=ctx)
    assert info.value.code == 401
    assert json.loads(info.value.read())["error"]["code"] == "AuthenticationFailed"
