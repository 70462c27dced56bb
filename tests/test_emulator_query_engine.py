"""The emulator's query endpoint runs on `sentinel_dac.engine` (one KQL path): stages the embedded engine
adds, deployed watchlists, the service's compile errors, and its record and size limits."""

from __future__ import annotations

from datetime import UTC, datetime

from azure.core.exceptions import HttpResponseError

from helpers import DEPLOY_PROJECT, load, sdk_error
from sentinel_dac.deploy import Kind, Placement, build_objects
from sentinel_dac.deploy.clients import put

WINDOW = (datetime(2025, 1, 10, tzinfo=UTC), datetime(2025, 1, 12, tzinfo=UTC))


def _query(emu, text: str):
    from azure.monitor.query import LogsQueryClient

    client = LogsQueryClient(emu.credential(), endpoint=emu.logs_endpoint, connection_verify=str(emu.ca_path))
    return client.query_workspace(emu.state.workspaces[0].customer_id, text, timespan=WINDOW)


def _inner(err: HttpResponseError) -> dict:
    return err.response.json()["error"]["innererror"]


def test_make_series_runs_through_the_projects_engine(emu):
    # duckdb-kql alone has no make-series; the project's engine runs it as a native stage.
    result = _query(
        emu,
        "AzureActivity | make-series n = count() default = 0 on TimeGenerated from datetime(2025-01-10) "
        "to datetime(2025-01-12) step 1d by Caller | order by Caller asc",
    )
    rows = [list(r) for r in result.tables[0].rows]
    assert [r[0] for r in rows] == ["alice@contoso.example", "bob@contoso.example"]
    assert rows[0][1] == [1, 1] and rows[1][1] == [1, 0]


def test_a_deployed_watchlist_is_queryable(emu, clients):
    ws = emu.state.workspaces[0].ref
    wl = next(o for o in build_objects(load(DEPLOY_PROJECT), Placement.of(ws)) if o.kind is Kind.WATCHLIST)
    put(clients, ws, wl)
    result = _query(emu, "_GetWatchlist('HighValueVaults') | project SearchKey, Owner | order by SearchKey asc")
    assert [list(r) for r in result.tables[0].rows] == [["kv-prod-ai", "team-a"], ["kv-prod-ml", "team-b"]]


def test_a_syntax_error_is_the_services_syntax_error(emu):
    err = sdk_error(lambda: _query(emu, "AzureActivity | wher Caller == 'x'"))
    assert isinstance(err, HttpResponseError) and err.status_code == 400
    inner = _inner(err)
    assert inner["code"] == "SyntaxError" and "line 1, position 17" in inner["message"]


def test_an_unknown_table_is_a_semantic_error(emu):
    err = sdk_error(lambda: _query(emu, "AIAppLogs_CL | take 1"))
    inner = _inner(err)
    assert inner["code"] == "SemanticError"
    assert "Failed to resolve table or column expression named 'AIAppLogs_CL'" in inner["message"]


def test_the_size_limit_cuts_the_answer_and_marks_it_partial(emu):
    from azure.monitor.query import LogsQueryPartialResult

    emu.engine.max_bytes = 150
    try:
        result = _query(emu, "AzureActivity | project TimeGenerated, Caller | order by TimeGenerated asc")
    finally:
        emu.engine.max_bytes = 100 * 1024 * 1024
    assert isinstance(result, LogsQueryPartialResult)
    assert len(result.partial_data[0].rows) == 2  # ~53 bytes per row
    assert "data size limit 150 bytes" in str(result.partial_error.details)
