"""The "AI workload security" workbook: its queries validate clean, a wrong column is placed at its JSON line
and column, and every query runs on the embedded engine over recorded samples with its parameters expanded
(the same `expand` the validator uses), with several results checked against values computed from the raw
sample files."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import UTC, datetime

import pytest

from helpers import REPO_ROOT, load, validate
from sentinel_dac.content.watchlists import STATE_ALIAS, state_watchlist_columns
from sentinel_dac.content.workbook_queries import expand, logs_queries, parameters
from sentinel_dac.deploy import Placement, WorkspaceRef, build_objects
from sentinel_dac.deploy.names import object_name
from sentinel_dac.deploy.ownership import Owned, state_row
from sentinel_dac.engine.dataset import WatchlistData
from sentinel_dac.engine.embedded import EmbeddedEngine
from sentinel_dac.testing.adhoc import inline_query, load_data, run_adhoc

WORKBOOK_JSON = REPO_ROOT / "workbooks" / "ai-workload-security.json"
DETECTIONS = REPO_ROOT / "detections"
SAMPLES = [
    "genai-quota-abuse/samples/app_baseline.AzureDiagnostics.jsonl",
    "genai-quota-abuse/samples/app_throttled.AzureDiagnostics.jsonl",
    "genai-quota-abuse/samples/hr_bot_baseline.ApiManagementGatewayLlmLog.jsonl",
    "genai-quota-abuse/samples/hr_bot_baseline.ApiManagementGatewayLogs.jsonl",
    "genai-quota-abuse/samples/hr_bot_spike.ApiManagementGatewayLlmLog.jsonl",
    "genai-quota-abuse/samples/hr_bot_spike.ApiManagementGatewayLogs.jsonl",
    "openai/samples/normal.ApiManagementGatewayLlmLog.jsonl",
    "openai/samples/normal.ApiManagementGatewayLogs.jsonl",
    "correlation/samples/cr01_key_calls.AzureDiagnostics.jsonl",
    "correlation/samples/onboarding_use.AzureDiagnostics.jsonl",
    "keyvault/samples/kv01_mass_read.AZKVAuditLogs.jsonl",
    "keyvault/samples/kv04_403_burst.AZKVAuditLogs.jsonl",
    "keyvault/samples/kvb1_role_propagation.AZKVAuditLogs.jsonl",
    "keyvault/samples/kvb1_role_propagation.AzureActivity.jsonl",
    "keyvault/samples/kv05_vault_opened.AZKVAuditLogs.jsonl",
    "keyvault/samples/kv06_self_access_policy.AzureActivity.jsonl",
    "keyvault/samples/kv08_backups.AZKVAuditLogs.jsonl",
    "genai_exfil/samples/ex01_bulk_upload.CommonSecurityLog.jsonl",
    "genai_exfil/samples/ex02_new_service.CommonSecurityLog.jsonl",
    "genai_exfil/samples/ex03_python_direct_api.DeviceNetworkEvents.jsonl",
]
ALERT_SAMPLES = REPO_ROOT / "tests" / "fixtures" / "workbook"  # SecurityAlert / SecurityIncident (no rule samples)
NOW = datetime(2026, 11, 9, tzinfo=UTC)
EVERYTHING = {  # the parameter values of a run: the whole sample period, no identity or deployment filter
    "TimeRange": "> datetime(2020-01-01)",
    "TimeRange:start": "datetime(2020-01-01)",
    "TimeRange:grain": "1d",
    "Identity": "",
    "Deployment": "",
}


def _rows(name: str) -> list[dict]:
    path = DETECTIONS / name if "/" in name else ALERT_SAMPLES / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def project():
    return load(REPO_ROOT)


@pytest.fixture(scope="module")
def workbook(project):
    [found] = [w for w in project.workbooks if w.data_path == WORKBOOK_JSON]
    return found


@pytest.fixture(scope="module")
def engine(project, tmp_path_factory):
    data = tmp_path_factory.mktemp("workbook-samples")
    for name in SAMPLES:
        shutil.copy(DETECTIONS / name, data)
    for path in ALERT_SAMPLES.glob("*.jsonl"):
        shutil.copy(path, data)
    dataset = load_data(project, data)
    dataset.watchlists[STATE_ALIAS.casefold()] = _state_after_apply(project)
    engine = EmbeddedEngine()
    engine.load(dataset)
    yield engine, dataset
    engine.close()


def _state_after_apply(project) -> WatchlistData:
    """The state watchlist as `apply` of the whole repository leaves it (one row per deployed object)."""
    ws = Placement.of(WorkspaceRef("00000000-0000-0000-0000-000000000000", "rg", "ws"))
    rows = []
    for obj in build_objects(project, ws):
        owned = Owned(obj.kind, obj.name, obj.content_id, obj.source, "hash", "etag", "2026-11-01T00:00:00Z")
        rows.append({"_DTItemId": owned.key, "LastUpdatedTimeUTC": None, "SearchKey": owned.key} | state_row(owned))
    return WatchlistData(STATE_ALIAS, tuple(state_watchlist_columns()), tuple(rows))


def _run(workbook, engine, title: str, **values: str):
    """Run the query step titled `title` with its placeholders expanded to EVERYTHING updated by `values`."""
    eng, dataset = engine
    query = _query(workbook, title)
    text = expand(query, parameters(workbook.data), {**EVERYTHING, **values}).text
    result = run_adhoc(inline_query(text), dataset, NOW, eng)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _query(workbook, title: str) -> str:
    for step in _steps(workbook.data["items"]):
        if step["content"].get("title") == title:
            return step["content"]["query"]
    raise AssertionError(f"no step titled {title!r}")


def _steps(items):
    for item in items:
        if item["type"] == 3:
            yield item
        elif item["type"] == 12:
            yield from _steps(item["content"]["items"])


def test_the_workbook_validates_clean():
    result = validate(REPO_ROOT, REPO_ROOT / "workbooks")
    assert result.findings == []


def test_a_wrong_column_is_reported_at_its_line_and_column_in_the_json(tmp_path):
    for folder in ("workbooks", "parsers", "watchlists"):
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    shutil.copy(REPO_ROOT / "sentinel-dac.yaml", tmp_path)
    path = tmp_path / "workbooks" / WORKBOOK_JSON.name
    text = path.read_text()
    assert text.count("DaySecrets = dcount(ItemName)") == 1
    path.write_text(text.replace("DaySecrets = dcount(ItemName)", "DaySecrets = dcount(ItemNmae)"))
    [finding] = validate(tmp_path, tmp_path / "workbooks").findings
    lines = path.read_text().splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "ItemNmae" in t)
    assert (finding.file, finding.line, finding.column, finding.code) == (
        f"workbooks/{WORKBOOK_JSON.name}",
        line,
        lines[line - 1].index("ItemNmae") + 1,
        "DAC402",
    )
    assert "ItemNmae" in finding.message


POINTERS = [wq.pointer for wq in logs_queries(json.loads(WORKBOOK_JSON.read_text()))]


def test_the_workbook_has_a_query_per_section_item():
    assert len(POINTERS) == 17  # a step lost from the list below would otherwise go unrun


@pytest.mark.parametrize("pointer", POINTERS)
def test_every_query_runs_and_returns_rows_on_the_samples(pointer, workbook, engine):
    """No step is skipped: each Log Analytics query (parameter queries too) runs and finds something."""
    eng, dataset = engine
    [wq] = [q for q in logs_queries(workbook.data) if q.pointer == pointer]
    text = expand(wq.query, parameters(workbook.data), EVERYTHING).text
    result = run_adhoc(inline_query(text), dataset, NOW, eng)
    assert result.rows, f"{pointer} returned no rows"


def test_tokens_per_identity_match_the_llm_log(workbook, engine):
    tokens: dict[str, int] = {}
    for name in [s for s in SAMPLES if "ApiManagementGatewayLlmLog" in s]:
        for row in _rows(name):  # one count per request: the max over a request's rows
            tokens[row["CorrelationId"]] = max(tokens.get(row["CorrelationId"], 0), row["TotalTokens"])
    expected: dict[str, int] = defaultdict(int)
    for name in [s for s in SAMPLES if "ApiManagementGatewayLogs" in s]:
        for row in _rows(name):
            expected[row["ApimSubscriptionId"]] += tokens.get(row["CorrelationId"], 0)
    rows = _run(workbook, engine, "Tokens per identity against its own daily average")
    assert {r["Identity"]: r["Tokens"] for r in rows} == dict(expected)
    hr_bot = next(r for r in rows if r["Identity"] == "sub-hr-bot")
    assert hr_bot["PeakToAverage"] == round(hr_bot["PeakDayTokens"] / hr_bot["AvgDayTokens"], 1) > 2  # the spike day


def test_throttling_counts_429s_per_deployment_and_caller(workbook, engine):
    throttled = sum(
        1
        for name in SAMPLES[:2]
        for row in _rows(name)
        if row.get("ResultSignature") == "429" and row["Category"] == "RequestResponse"
    )
    rows = _run(workbook, engine, "429 throttling per deployment and caller")
    [app] = [r for r in rows if r["Caller"] == "00000000-0000-0000-0000-0000000000a2"]
    assert (app["Deployment"], app["Path"], app["Throttled"]) == ("gpt-4o", "Azure OpenAI", throttled)
    assert throttled > 0
    title = "429 throttling per deployment and caller"
    assert _run(workbook, engine, title, Deployment="gpt-4o-mini") == []  # nobody was throttled on it
    assert {r["Deployment"] for r in _run(workbook, engine, title, Deployment="gpt-4o")} == {"gpt-4o"}


def test_key_vault_refusals_keep_role_propagation_apart(workbook, engine):
    burst = [r for r in _rows("keyvault/samples/kv04_403_burst.AZKVAuditLogs.jsonl") if r["HttpStatusCode"] == 403]
    propagation = [
        r for r in _rows("keyvault/samples/kvb1_role_propagation.AZKVAuditLogs.jsonl") if r["HttpStatusCode"] == 403
    ]
    rows = {
        r["Identity"]: r
        for r in _run(workbook, engine, "403 refusals per identity (role-propagation refusals counted apart)")
    }
    assert (
        rows["ulla.bexley@contoso.example"]["Refusals"],
        rows["ulla.bexley@contoso.example"]["PropagationRefusals"],
    ) == (len(burst), 0)
    new_app = rows["30af3195-2782-4226-b87c-971c7a9611e5"]
    assert (new_app["Refusals"], new_app["PropagationRefusals"]) == (0, len(propagation))


def test_the_identity_parameter_filters_secret_reads(workbook, engine):
    reads = _rows("keyvault/samples/kv01_mass_read.AZKVAuditLogs.jsonl")
    secrets = {r["Id"] for r in reads if r["OperationName"] == "SecretGet" and r["HttpStatusCode"] == 200}
    title = "Secret reads per identity: peak day against its own average day"
    everyone = _run(workbook, engine, title)
    assert len(everyone) > 1
    [dov] = _run(workbook, engine, title, Identity="dov.marchetti@contoso.example")
    assert (dov["Identity"], dov["PeakDaySecrets"], dov["KnownPoller"]) == (
        "dov.marchetti@contoso.example",
        len(secrets),
        False,
    )


def test_genai_uploads_per_user_sum_the_proxy_bytes(workbook, engine):
    catalogue = [
        line.split(",")[0]
        for line in (REPO_ROOT / "watchlists/AIServiceCatalog/ai_services.csv").read_text().splitlines()[1:]
    ]
    sent = sum(
        row["SentBytes"]
        for name in SAMPLES
        if "CommonSecurityLog" in name
        for row in _rows(name)
        if row["SourceUserName"] == "sami.corrin@contoso.example"
        and any(row["DestinationHostName"] == d or row["DestinationHostName"].endswith("." + d) for d in catalogue)
    )
    rows = {
        r["User"]: r
        for r in _run(workbook, engine, "GenAI uploads per user: peak day against the user's own average day")
    }
    assert rows["sami.corrin@contoso.example"]["UploadMB"] == round(sent / 1_000_000, 1)
    assert next(iter(rows)) == "sami.corrin@contoso.example"  # the largest unsanctioned uploader first


def test_alerts_and_incidents_are_those_of_the_rules_deployed_here(workbook, engine):
    """Alerts carry the deployed rule's name (UUID5 of its content id), incidents a name or a resource id:
    both map back to the rule and its family through the state watchlist; another team's rule does not."""
    by_rule = {(r["Family"], r["Rule"]): r["Alerts"] for r in _run(workbook, engine, "Alerts by rule")}
    assert by_rule == {("keyvault", "kv_mass_secret_read"): 2, ("genai_exfil", "genai_upload_volume_vs_baseline"): 1}
    incidents = {
        r["IncidentNumber"]: (r["Status"], r["Families"])
        for r in _run(workbook, engine, "Incidents from these rules (latest state)")
    }
    assert incidents == {41: ("Active", ["keyvault"]), 42: ("New", ["genai_exfil"])}  # 43: another team's rule


def test_the_alerts_of_every_family_are_shown_not_a_fixed_list(workbook, engine, project):
    """Every rule in the repository maps from its deployed name; a rule added later needs no workbook edit."""
    eng, dataset = engine
    query = _query(workbook, "Alerts by rule")
    lets = query[: query.index("SecurityAlert\n")] + "OurRules"
    text = expand(lets, parameters(workbook.data), EVERYTHING).text
    result = run_adhoc(inline_query(text), dataset, NOW, eng)
    rows = {tuple(r[result.columns.index(c)] for c in ("RuleId", "Rule", "Family")) for r in result.rows}
    repo = {(object_name("analytics-rule", r.id), r.source.path.stem, r.source.path.parent.name) for r in project.rules}
    assert rows == repo and len({family for _, _, family in rows}) >= 6


def test_the_deployment_drop_down_offers_all_and_every_deployment_seen(workbook, engine):
    eng, dataset = engine
    [wq] = [q for q in logs_queries(workbook.data) if q.pointer.endswith("/parameters/3/query")]
    text = expand(wq.query, parameters(workbook.data), EVERYTHING).text
    result = run_adhoc(inline_query(text), dataset, NOW, eng)
    options = {row[0]: row[2] for row in result.rows}
    assert options[""] is True and sum(options.values()) == 1  # "All deployments", selected by default
    assert {"gpt-4o", "gpt-4o-mini", "gpt-4o-prod"} <= set(options)
