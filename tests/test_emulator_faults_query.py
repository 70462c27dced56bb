"""Injected faults reach the SDK as configured and its retry policy copes; the query API answers
LogsQueryClient; the workspace fixture reports its errors like content errors."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from helpers import DEPLOY_PROJECT, load, sdk_error
from sentinel_dac.deploy import Kind, Placement, build_objects
from sentinel_dac.deploy.clients import get, make_clients, put
from sentinel_dac.deploy.names import object_name
from sentinel_dac.emulator import FaultConfig, load_workspaces
from sentinel_dac.errors import ConfigError

QUERY_WINDOW = (datetime(2025, 1, 10, tzinfo=UTC), datetime(2025, 1, 12, tzinfo=UTC))


def _retrying(emu, **options):
    return make_clients(
        emu.credential(),
        emu.state.workspaces[0].ref.subscription_id,
        base_url=emu.base_url,
        polling_interval=0,
        connection_verify=str(emu.ca_path),
        retry_backoff_factor=0.01,
        retry_backoff_max=0.05,
        **options,
    )


def _rule(emu, i: int):
    ws = emu.state.workspaces[0].ref
    obj = copy.deepcopy(
        next(o for o in build_objects(load(DEPLOY_PROJECT), Placement.of(ws)) if o.kind is Kind.SCHEDULED_RULE)
    )
    obj.name = object_name("analytics-rule", f"fault-{i}")
    return ws, obj


def test_throttling_reaches_the_client_with_retry_after(emu, clients):
    emu.faults.reconfigure(FaultConfig(error_rate=1.0, statuses=(429,), retry_after=7, seed=1))
    ws, obj = _rule(emu, 0)
    err = sdk_error(lambda: put(clients, ws, obj))  # `clients` does not retry
    assert isinstance(err, HttpResponseError) and err.status_code == 429
    assert err.response.headers["Retry-After"] == "7"
    assert emu.faults.stats[429] == 1


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_reach_the_client(emu, clients, status):
    emu.faults.reconfigure(FaultConfig(error_rate=1.0, statuses=(status,), retry_after=0))
    ws, obj = _rule(emu, 0)
    err = sdk_error(lambda: get(clients, ws, obj))
    assert isinstance(err, HttpResponseError) and err.status_code == status


def test_the_sdk_retry_policy_rides_out_429_and_503(emu):
    emu.faults.reconfigure(FaultConfig(error_rate=0.4, statuses=(429, 503), retry_after=0, seed=7))
    clients = _retrying(emu, retry_total=10, retry_status=10, retry_connect=10, retry_read=10)
    for i in range(15):
        ws, obj = _rule(emu, i)
        put(clients, ws, obj)
    emu.faults.reconfigure(FaultConfig())
    listed = list(clients.stable_insights.alert_rules.list(ws.resource_group, ws.workspace_name))
    assert len(listed) == 15  # nothing lost, nothing duplicated
    assert emu.faults.stats[429] + emu.faults.stats[503] >= 3


def test_dropped_connections_are_retried(emu):
    emu.faults.reconfigure(FaultConfig(drop_rate=0.3, seed=3))
    clients = _retrying(emu, retry_total=10, retry_status=10, retry_connect=10, retry_read=10)
    for i in range(8):
        ws, obj = _rule(emu, i)
        put(clients, ws, obj)
    assert emu.faults.stats["dropped"] >= 1
    assert any(r.status is None for r in emu.requests)


def test_a_dropped_connection_without_retries_fails(emu, clients):
    emu.faults.reconfigure(FaultConfig(drop_rate=1.0))
    ws, obj = _rule(emu, 0)
    err = sdk_error(lambda: get(clients, ws, obj))
    assert isinstance(err, ServiceRequestError | ServiceResponseError)


def test_latency_is_added(emu, clients):
    import time

    emu.faults.reconfigure(FaultConfig(latency_ms=(150, 150)))
    ws, obj = _rule(emu, 0)
    start = time.perf_counter()
    get(clients, ws, obj)
    assert time.perf_counter() - start >= 0.15


def test_fault_config_rejects_nonsense():
    with pytest.raises(ValueError, match="error_rate"):
        FaultConfig(error_rate=2)
    with pytest.raises(ValueError, match="fault statuses"):
        FaultConfig(statuses=(404,))


def _logs(emu):
    from azure.monitor.query import LogsQueryClient

    return LogsQueryClient(emu.credential(), endpoint=emu.logs_endpoint, connection_verify=str(emu.ca_path))


def test_logs_query_client_runs_kql_over_samples(emu):
    from azure.monitor.query import LogsQueryStatus

    result = _logs(emu).query_workspace(
        emu.state.workspaces[0].customer_id,
        "AzureActivity | where OperationNameValue has 'COGNITIVESERVICES'"
        " | summarize n = count() by Caller | order by Caller asc",
        timespan=QUERY_WINDOW,
    )
    assert result.status == LogsQueryStatus.SUCCESS
    table = result.tables[0]
    assert list(table.columns) == ["Caller", "n"]
    assert [list(r) for r in table.rows] == [["alice@contoso.example", 1], ["bob@contoso.example", 1]]


def test_the_timespan_limits_the_rows(emu):
    result = _logs(emu).query_workspace(
        emu.state.workspaces[0].customer_id,
        "AzureActivity | project TimeGenerated",
        timespan=(datetime(2025, 1, 11, tzinfo=UTC), timedelta(days=1)),
    )
    rows = result.tables[0].rows
    assert len(rows) == 1 and rows[0][0] == datetime(2025, 1, 11, 9, 30, tzinfo=UTC)


def test_a_partial_result_is_reported_as_such(emu):
    from azure.monitor.query import LogsQueryPartialResult

    emu.engine.max_rows = 2
    try:
        result = _logs(emu).query_workspace(emu.state.workspaces[0].customer_id, "AzureActivity", timespan=QUERY_WINDOW)
    finally:
        emu.engine.max_rows = 500_000
    assert isinstance(result, LogsQueryPartialResult)
    assert len(result.partial_data[0].rows) == 2 and "record count limit" in str(result.partial_error.details)


def test_a_bad_query_is_a_400(emu):
    err = sdk_error(
        lambda: _logs(emu).query_workspace(
            emu.state.workspaces[0].customer_id, "AzureActivity | wher", timespan=QUERY_WINDOW
        )
    )
    assert isinstance(err, HttpResponseError) and err.status_code == 400


def test_deployed_parsers_are_callable_in_queries(emu, clients):
    ws = emu.state.workspaces[0].ref
    parser = next(o for o in build_objects(load(DEPLOY_PROJECT), Placement.of(ws)) if o.kind is Kind.PARSER)
    parser = copy.deepcopy(parser)
    parser.body["properties"]["query"] = "AzureActivity | where Caller startswith who"
    parser.body["properties"]["functionParameters"] = "who:string='alice'"
    put(clients, ws, parser)
    result = _logs(emu).query_workspace(
        emu.state.workspaces[0].customer_id, "KvSecretReads() | count", timespan=QUERY_WINDOW
    )
    assert result.tables[0].rows[0][0] == 2


def test_workspace_fixture_errors_name_file_line_and_field(tmp_path):
    bad = tmp_path / "ws.yaml"
    bad.write_text(
        "workspaces:\n"
        "  - name: law-x\n"
        "    subscription: 11111111-1111-4111-8111-111111111111\n"
        "    resourceGroup: rg\n"
        "    tables:\n"
        "      AzureActivity: {plan: Premium}\n"
        "      NotInCatalog_CL: {}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_workspaces(bad)
    assert f"{bad}:6: DAC600 table plan 'Premium' must be Analytics, Basic or Auxiliary" in str(info.value)
    bad.write_text(bad.read_text().replace("Premium", "Basic"))
    with pytest.raises(ConfigError, match=r"ws.yaml:7: DAC600 table 'NotInCatalog_CL' is not in the table catalogue"):
        load_workspaces(bad)
