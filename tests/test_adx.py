"""The ADX path: the generated query text, its equivalence with the embedded engine, "not run" without a cluster."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from helpers import REPO_ROOT, dataset, jsonl, rule_text
from sentinel_dac.cli import main
from sentinel_dac.content.model import FunctionParam, Watchlist
from sentinel_dac.engine import FunctionDef, Window
from sentinel_dac.engine.adx import AdxEngine, build_query
from sentinel_dac.engine.prepare import watchlist_table

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
WINDOW = Window(NOW - timedelta(hours=1), NOW, None, NOW + timedelta(minutes=5))
ROWS = [
    {"TimeGenerated": "2024-05-01T11:10:00Z", "OperationName": "SecretGet", "Identity": {"claim": {"upn": "a@b.c"}}},
    {"TimeGenerated": "2024-05-01T09:00:00Z", "OperationName": "Old"},
]


def test_query_text_binds_tables_as_datatables_and_pins_now():
    text, _ = build_query("AZKVAuditLogs | count", dataset({"AZKVAuditLogs": ROWS}), NOW, WINDOW)
    lines = text.splitlines()
    assert lines[0] == "set query_now = datetime(2024-05-01T12:00:00Z);"
    assert lines[1].startswith("let AZKVAuditLogs = datatable(TenantId:string, TimeGenerated:datetime,")
    assert "Identity:dynamic" in lines[1] and "HttpStatusCode:int" in lines[1]
    assert 'datetime(2024-05-01T11:10:00Z), "", "SecretGet"' in text
    assert 'dynamic({"claim": {"upn": "a@b.c"}})' in text
    assert '"Old"' not in text  # outside the window: not sent
    assert "__sdac_ingestion_time" not in text  # the query does not ask for ingestion_time()
    assert lines[-1] == "AZKVAuditLogs | count"


def test_query_text_for_ingestion_time_watchlists_and_parsers():
    wl = Watchlist(None, "Vips", "x", "x", "x", "Upn", None, ("Upn",), ({"Upn": "a@b.c"},))
    fn = FunctionDef(
        "Reads", (FunctionParam("op", "string", "SecretGet"),), "AZKVAuditLogs | where OperationName == op"
    )
    data = dataset({"AZKVAuditLogs": ROWS[:1]}, functions=[fn], watchlists=[wl], updated=NOW)
    vips = "in ((_GetWatchlist('Vips') | project SearchKey))"
    query = f"Reads() | where ingestion_time() > ago(1h) | where tostring(Identity.claim.upn) {vips}"
    text, _ = build_query(query, data, NOW, WINDOW)
    assert "__sdac_ingestion_time:datetime" in text and "datetime(2024-05-01T11:10:00Z)]" in text.replace("\n", "")
    table = watchlist_table("Vips", data)  # numbered among all the data set's watchlists (SentinelDacState too)
    assert (
        f"let {table} = datatable(_DTItemId:string, LastUpdatedTimeUTC:datetime, SearchKey:string, Upn:string)" in text
    )
    assert "let Reads = (op:string = 'SecretGet') { AZKVAuditLogs | where OperationName == op };" in text
    assert text.endswith(
        "Reads() | where __sdac_ingestion_time > ago(1h) "
        f"| where tostring(Identity.claim.upn) in (({table} | project SearchKey))"
    )


def test_the_adx_text_asks_the_same_question_as_the_embedded_engine(engine):
    """Run the generated ADX query on the embedded engine (no data loaded) and compare."""
    query = (
        "AZKVAuditLogs | where ingestion_time() >= ago(2h) "
        "| summarize n = count(), ops = make_set(OperationName) by bin(TimeGenerated, 1h)"
    )
    data = dataset({"AZKVAuditLogs": ROWS}, delay=timedelta(minutes=1))
    text, _ = build_query(query, data, NOW, WINDOW)
    engine.load(dataset())
    via_text = engine.run(text, NOW)
    engine.load(data)
    direct = engine.run(query, NOW, WINDOW)
    assert (
        via_text.records()
        == direct.records()
        == [{"TimeGenerated": datetime(2024, 5, 1, 11, tzinfo=UTC), "n": 1, "ops": ["SecretGet"]}]
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_cluster_reports_cases_not_run(make_project, monkeypatch):
    cases = """cases:
  - name: p
    kind: positive
    now: 2024-05-01T12:00:00Z
    samples: [{file: s.AZKVAuditLogs.jsonl}]
  - name: n
    kind: negative
    now: 2024-05-01T12:00:00Z
    samples: [{table: AZKVAuditLogs, rows: []}]
"""
    root = make_project(
        {
            "detections/r.yaml": rule_text("AZKVAuditLogs"),
            "detections/r.tests.yaml": cases,
            "detections/s.AZKVAuditLogs.jsonl": jsonl(ROWS[0]),
        }
    )
    monkeypatch.chdir(root)
    url = f"http://127.0.0.1:{closed_port()}"
    res = CliRunner().invoke(
        main, ["test", "--engine", "adx", "--cluster", url, "--database", "db", "--format", "json"]
    )
    assert res.exit_code == 3, res.output  # nothing failed, nothing passed: not run
    data = json.loads(res.output)
    assert (data["passed"], data["failed"], data["not_run"]) == (0, 0, 2)
    assert data["results"][0]["message"].startswith(f"not run: ADX cluster {url} is not reachable")


@pytest.mark.azure
def test_content_cases_on_a_real_cluster():
    """Needs SENTINEL_DAC_ADX_CLUSTER and SENTINEL_DAC_ADX_DATABASE (Kustainer or ADX; deselected by default)."""
    cluster, database = os.environ["SENTINEL_DAC_ADX_CLUSTER"], os.environ["SENTINEL_DAC_ADX_DATABASE"]
    from sentinel_dac.config import load_config
    from sentinel_dac.content.load import load_project
    from sentinel_dac.testing import run_project

    report = run_project(load_project(load_config(REPO_ROOT)), engine_factory=lambda: AdxEngine(cluster, database))
    assert report.count("passed") == len(report.results) > 0, [
        r.to_dict() for r in report.results if r.status != "passed"
    ]
