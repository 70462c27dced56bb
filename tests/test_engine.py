"""The embedded engine: windows, pinned now, Sentinel built-ins, parsers, refusals at the author's position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpers import dataset, watchlist
from sentinel_dac.content.model import FunctionParam
from sentinel_dac.engine import FunctionDef, QueryFailed, UnsupportedKql, Window

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def kv(minute: int, **extra) -> dict:
    return {"TimeGenerated": f"2024-05-01T11:{minute:02d}:00Z", "OperationName": "SecretGet", **extra}


def test_window_limits_time_generated_and_ingestion(engine):
    rows = [kv(0), kv(30), kv(59), {"TimeGenerated": "2024-05-01T10:59:59Z"}, {"TimeGenerated": "2024-05-01T12:00:00Z"}]
    engine.load(dataset({"AZKVAuditLogs": rows}))
    window = Window(NOW - timedelta(hours=1), NOW, None, NOW + timedelta(minutes=5))
    assert len(engine.run("AZKVAuditLogs", NOW, window).rows) == 3  # [start, end): 12:00:00 is the next run's
    late = Window(NOW - timedelta(hours=1), NOW, None, datetime(2024, 5, 1, 11, 30, tzinfo=UTC))
    assert len(engine.run("AZKVAuditLogs", NOW, late).rows) == 2  # rows ingested after the cut-off are not there yet
    assert len(engine.run("AZKVAuditLogs", NOW).rows) == 5


def test_now_is_pinned_per_run_even_with_a_cached_translation(engine):
    engine.load(dataset({"AZKVAuditLogs": [kv(0), kv(50)]}))
    query = "AZKVAuditLogs | where TimeGenerated > ago(30m) | count"
    assert engine.run(query, NOW).rows == [(1,)]
    assert engine.run(query, NOW - timedelta(hours=1)).rows == [(2,)]
    assert engine.run("print t = now()", NOW).rows[0][0] == NOW


def test_ingestion_time_reads_each_rows_ingestion_and_stays_hidden(engine):
    rows = [kv(0, **{"$IngestionTime": "2024-05-01T11:07:00Z"}), kv(10)]
    engine.load(dataset({"AZKVAuditLogs": rows}, delay=timedelta(minutes=2)))
    result = engine.run("AZKVAuditLogs | project Id, it = ingestion_time() | order by it asc", NOW)
    assert [r[1].minute for r in result.rows] == [7, 12]
    everything = engine.run("AZKVAuditLogs | take 1", NOW)
    assert "__sdac_ingestion_time" not in everything.columns
    assert everything.columns == [c.name for c in dataset().catalog.get("AZKVAuditLogs").columns]


def test_tables_without_samples_exist_and_are_empty(engine):
    engine.load(dataset())
    result = engine.run("SigninLogs | join kind=inner (AZKVAuditLogs) on CorrelationId | count", NOW)
    assert result.rows == [(0,)]


def test_getwatchlist_returns_search_key_and_csv_columns(engine):
    wl = watchlist("AllowedCallers", "Upn", {"Upn": "alice@contoso.com", "Team": "payments"})
    engine.load(dataset({"AZKVAuditLogs": [kv(1), kv(2)]}, watchlists=[wl], updated=NOW))
    result = engine.run("_GetWatchlist('allowedcallers')", NOW)
    assert result.columns == ["_DTItemId", "LastUpdatedTimeUTC", "SearchKey", "Upn", "Team"]
    assert result.rows[0][1:] == (NOW, "alice@contoso.com", "alice@contoso.com", "payments")
    q = (
        "AZKVAuditLogs | extend u = 'alice@contoso.com' "
        "| where u in ((_GetWatchlist('AllowedCallers') | project SearchKey)) | count"
    )
    assert engine.run(q, NOW).rows == [(2,)]
    with pytest.raises(
        QueryFailed, match=r"no watchlist with that alias in this project \(known: AllowedCallers"
    ) as exc:
        engine.run("AZKVAuditLogs\n| join (_GetWatchlist('Nope')) on $left.Id == $right.SearchKey", NOW)
    assert exc.value.offset == len("AZKVAuditLogs\n| join (")
    with pytest.raises(UnsupportedKql, match="needs the alias as a string literal"):
        engine.run("let a = 'x'; _GetWatchlist(a)", NOW)


def test_parsers_run_as_stored_functions_with_defaults(engine):
    fn = FunctionDef(
        "KeyVaultReads",
        (FunctionParam("operation", "string", "SecretGet"),),
        "AZKVAuditLogs | where OperationName == operation | extend Ingested = ingestion_time()",
    )
    rows = [kv(1), kv(2, OperationName="KeyGet")]
    engine.load(dataset({"AZKVAuditLogs": rows}, functions=[fn]))
    assert len(engine.run("KeyVaultReads()", NOW).rows) == 1
    assert len(engine.run("KeyVaultReads('KeyGet') | where isnotnull(Ingested)", NOW).rows) == 1


def test_unsupported_kql_is_located_in_the_authors_text_despite_rewrites(engine):
    engine.load(dataset({"AZKVAuditLogs": [kv(1)]}))
    query = "AZKVAuditLogs\n| where ingestion_time() > ago(1h)\n| reduce by Id"
    with pytest.raises(UnsupportedKql) as exc:
        engine.run(query, NOW)
    assert "operator reduce-by is not implemented" in exc.value.message
    assert query[exc.value.offset :].startswith("reduce by")
    with pytest.raises(UnsupportedKql) as exc:
        engine.run("AZKVAuditLogs\n| extend p = url_decode(CallerIpAddress)", NOW)
    assert exc.value.construct == "function:url_decode"
    assert "function url_decode() is not implemented" in exc.value.message
    assert exc.value.offset == len("AZKVAuditLogs\n| extend p = ")


def test_unsupported_kql_inside_a_parser_names_the_parser(engine):
    fn = FunctionDef("Priv", (), "AZKVAuditLogs | extend p = url_decode(CallerIpAddress)")
    engine.load(dataset({"AZKVAuditLogs": [kv(1)]}, functions=[fn]))
    with pytest.raises(UnsupportedKql) as exc:
        engine.run("Priv() | count", NOW)
    assert exc.value.function == "Priv" and exc.value.offset == len("AZKVAuditLogs | extend p = ")


def test_grammar_refusal_and_runtime_errors_are_clear(engine):
    engine.load(dataset({"AZKVAuditLogs": [kv(1)]}))
    with pytest.raises(UnsupportedKql, match="cannot parse this query: mismatched input"):
        engine.run("AZKVAuditLogs | where", NOW)
    with pytest.raises(QueryFailed, match="column 'NoSuchColumn' does not exist at this point") as exc:
        engine.run("AZKVAuditLogs | where NoSuchColumn == 1", NOW)
    assert exc.value.offset == len("AZKVAuditLogs | where ")
    with pytest.raises(QueryFailed, match="table 'Custom_CL' is not in the table catalogue") as exc:
        engine.run("AZKVAuditLogs | join (Custom_CL) on Id", NOW)
    assert exc.value.offset == len("AZKVAuditLogs | join (")


def test_case_distinct_columns_keep_the_one_samples_use(engine):
    row = {"TimeGenerated": "2024-05-01T11:00:00Z", "clientIp_s": "10.0.0.1"}
    engine.load(dataset({"AzureDiagnostics": [row]}))
    assert engine.run("AzureDiagnostics | project clientIp_s", NOW).rows == [("10.0.0.1",)]
    with pytest.raises(UnsupportedKql, match="use both clientIP_s and clientIp_s"):
        engine.load(dataset({"AzureDiagnostics": [{**row, "clientIP_s": "10.0.0.2"}]}))


def test_results_are_plain_python_values(engine):
    row = kv(1, Identity={"claim": {"upn": "a@contoso.com"}}, HttpStatusCode=200)
    engine.load(dataset({"AZKVAuditLogs": [row]}))
    result = engine.run(
        "AZKVAuditLogs | project TimeGenerated, Identity, HttpStatusCode, "
        "g = guid(5b1f6f2e-8b8a-4c7e-9a1d-0c2b3d4e5f60), d = 1h",
        NOW,
    )
    assert result.types == ["datetime", "dynamic", "int", "guid", "timespan"]
    assert result.rows[0] == (
        datetime(2024, 5, 1, 11, 1, tzinfo=UTC),
        {"claim": {"upn": "a@contoso.com"}},
        200,
        "5b1f6f2e-8b8a-4c7e-9a1d-0c2b3d4e5f60",
        timedelta(hours=1),
    )


def test_make_set_and_make_list_honour_max_size(engine):
    engine.load(dataset())
    result = engine.run(
        "range x from 1 to 10 step 1 | summarize s = make_set(x, 3), l = make_list(x, 2), a = make_set(x)", NOW
    )
    s, lst, everything = result.rows[0]
    assert len(s) == 3 and set(s) <= set(range(1, 11)) and lst == [1, 2] and sorted(everything) == list(range(1, 11))


def test_base64_of_invalid_utf8_is_empty_not_escaped_bytes(engine):
    engine.load(dataset())
    assert engine.run('print e = base64_decode_tostring("U3RyaW5n0KHR0tGA0L7Rh9C60LA=")', NOW).rows == [("",)]
    assert engine.run('print e = base64_decode_tostring("U3RyaW5n")', NOW).rows == [("String",)]


def test_bulk_load_from_sql(engine):
    engine.load(dataset())
    engine.load_sql(
        "AZKVAuditLogs",
        "SELECT TIMESTAMP '2024-05-01 11:00:00' + to_minutes(i) AS TimeGenerated, 'SecretGet' AS OperationName, "
        "TIMESTAMP '2024-05-01 11:00:00' + to_minutes(i) AS __sdac_ingestion_time FROM range(90) t(i)",
    )
    window = Window(NOW - timedelta(hours=1), NOW, None, NOW + timedelta(minutes=5))
    assert engine.run("AZKVAuditLogs | count", NOW, window).rows == [(60,)]
