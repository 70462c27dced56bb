"""The GenAI exfiltration and Key Vault hunting queries validate clean and run on the embedded engine over
their families' recorded samples (the path `sentinel-dac query --file` takes); the rows that matter are
checked against counts taken from the raw sample files."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from helpers import REPO_ROOT, load, validate
from sentinel_dac.engine.embedded import EmbeddedEngine
from sentinel_dac.testing.adhoc import item_query, load_data, run_adhoc

FAMILIES = ("genai_exfil", "keyvault")
CATALOGUE = REPO_ROOT / "watchlists" / "AIServiceCatalog" / "ai_services.csv"


@pytest.fixture(scope="module")
def project():
    return load(REPO_ROOT)


@pytest.fixture(scope="module")
def engines(project):
    """One loaded engine per family, over `detections/<family>/samples`."""
    loaded = {}
    for family in FAMILIES:
        engine = EmbeddedEngine()
        engine.load(load_data(project, REPO_ROOT / "detections" / family / "samples"))
        loaded[family] = engine
    yield loaded
    for engine in loaded.values():
        engine.close()


def _hunt(project, engines, family: str, stem: str, now: str) -> list[dict]:
    [item] = [h for h in project.hunting if h.source.path.parent.name == family and h.source.path.stem == stem]
    engine = engines[family]
    result = run_adhoc(item_query(item), engine.data, datetime.fromisoformat(now).replace(tzinfo=UTC), engine)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _raw(family: str, table: str) -> list[dict]:
    rows = []
    for path in sorted((REPO_ROOT / "detections" / family / "samples").glob(f"*.{table}.jsonl")):
        rows += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows


def _domains(category: str | None = None) -> list[str]:
    lines = CATALOGUE.read_text().splitlines()[1:]
    return [c[0] for c in (line.split(",") for line in lines) if category is None or c[3] == category]


def _matches(host: str, domains: list[str]) -> bool:
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def test_there_are_four_hunting_queries_per_family_and_they_validate_clean(project):
    for family in FAMILIES:
        found = [h for h in project.hunting if h.source.path.parent.name == family]
        assert len(found) >= 4, family
        assert all(h.tactics and h.techniques and h.description for h in found), family
    assert validate(REPO_ROOT, *(REPO_ROOT / "hunting" / f for f in FAMILIES)).findings == []


def test_upload_volume_per_user_and_service(project, engines):
    domains = _domains()
    nell = sum(
        r["SentBytes"]
        for r in _raw("genai_exfil", "CommonSecurityLog")
        if r["SourceUserName"] == "nell.harrow@contoso.example" and _matches(r["DestinationHostName"], ["claude.ai"])
    )
    rows = _hunt(project, engines, "genai_exfil", "genai_upload_volume_per_user_service", "2026-11-09T00:00:00")
    by_pair = {(r["User"], r["Domain"]): r for r in rows}
    assert by_pair["nell.harrow@contoso.example", "claude.ai"]["UploadBytes"] == nell
    assert (rows[0]["User"], rows[0]["Domain"]) == ("sami.corrin@contoso.example", "chatgpt.com")
    assert all(r["UploadBytes"] >= 1_000_000 for r in rows) and all(_matches(d, domains) for _, d in by_pair)


def test_new_services_first_seen(project, engines):
    rows = _hunt(project, engines, "genai_exfil", "genai_new_services_first_seen", "2026-11-07T06:00:00")
    assert {r["Domain"]: r["FirstBy"] for r in rows} == {
        "chat.deepseek.com": "ulla.wexley@contoso.example",
        "openrouter.ai": "10.20.1.7",  # the AKS node behind the firewall: no user, its address
    }


def test_direct_llm_api_use_by_process(project, engines):
    apis = _domains("API")
    python = sum(
        1
        for r in _raw("genai_exfil", "DeviceNetworkEvents")
        if r["InitiatingProcessFileName"].lower() == "python.exe" and _matches(r["RemoteUrl"].split("/")[0], apis)
    )
    rows = _hunt(project, engines, "genai_exfil", "genai_direct_llm_api_by_process", "2026-11-09T00:00:00")
    assert (rows[0]["Process"], rows[0]["Connections"]) == ("python.exe", python)
    assert {r["Process"] for r in rows} == {"python.exe", "node"}  # code.exe talks to sanctioned Copilot only


def test_users_spreading_uploads_over_services(project, engines):
    rows = _hunt(project, engines, "genai_exfil", "genai_users_many_unsanctioned_services", "2026-11-09T00:00:00")
    assert [(r["User"], r["Services"]) for r in rows] == [("sami.corrin@contoso.example", 3)]


def test_use_by_department_takes_each_users_current_profile(project, engines):
    profiles: dict[str, list[dict]] = {}
    for r in _raw("genai_exfil", "IdentityInfo"):
        profiles.setdefault(r["AccountUPN"], []).append(r)
    finance = {
        u for u, rows in profiles.items() if max(rows, key=lambda r: r["TimeGenerated"])["Department"] == "Finance"
    }
    domains = _domains()
    finance_bytes = sum(
        r["SentBytes"]
        for r in _raw("genai_exfil", "CommonSecurityLog")
        if r["SourceUserName"] in finance and _matches(r["DestinationHostName"], domains)
    )
    rows = _hunt(project, engines, "genai_exfil", "genai_use_by_department", "2026-11-09T00:00:00")
    by_dept = {r["Department"]: r for r in rows}
    assert by_dept["Finance"]["UploadBytes"] == finance_bytes > 90_000_000  # sami.corrin's bulk upload is in it
    # nell.harrow moved from Legal to Corporate Development on 2026-11-03: only the newest row counts
    assert [r["Department"] for r in profiles["nell.harrow@contoso.example"]] == ["Legal", "Corporate Development"]
    assert "Legal" not in by_dept and set(by_dept["Corporate Development"]["UnsanctionedServices"]) == {"claude.ai"}
    # kasi.delacroix's only profile is older than the 14-day full sync: grouped, not dropped
    assert by_dept["(no IdentityInfo profile)"]["Users"] == 1
    assert rows[0]["Department"] == "Finance"  # most unsanctioned bytes first


def test_secret_reads_against_the_identitys_baseline(project, engines):
    reads = {
        r["Id"]
        for r in _raw("keyvault", "AZKVAuditLogs")
        if r["OperationName"] == "SecretGet"
        and r["HttpStatusCode"] == 200
        and "dov.marchetti" in json.dumps(r["Identity"])
    }
    rows = _hunt(project, engines, "keyvault", "kv_secret_reads_vs_baseline", "2026-11-06T06:00:00")
    first = rows[0]
    assert (first["CallerUpn"], first["Secrets"], first["BaselineMaxDaySecrets"], first["KnownPoller"]) == (
        "dov.marchetti@contoso.example",
        len(reads),
        0,
        False,
    )
    assert all(r["KnownPoller"] for r in rows[1:])  # the CSI driver reads are marked, sorted after


def test_identities_touching_many_vaults(project, engines):
    rows = _hunt(project, engines, "keyvault", "kv_identities_touching_many_vaults", "2026-11-08T06:00:00")
    assert [(r["CallerObjectId"], r["Vaults"], r["KnownPoller"]) for r in rows] == [
        ("2d8da768-f3cd-4751-b7c8-525225ac3db3", 9, False),  # the ETL principal across both log modes
        ("00000000-0000-4000-8000-0000000000b2", 5, False),  # the weekly secret rotation (weekly_rotation sample)
        ("00000000-0000-4000-8000-0000000000a1", 4, False),  # a person across vaults (many_vaults_* samples)
        ("a12374dd-6a39-4183-aa06-c78f0b2feca8", 12, True),  # the compliance scanner
        ("c0cb43dd-1b62-4ae3-8f01-43820f8bfb54", 3, True),  # the CI pipeline
    ]
    assert set(rows[0]["LogModes"]) == {"AZKVAuditLogs", "AzureDiagnostics"}


def test_access_from_new_addresses_puts_public_ones_first(project, engines):
    rows = _hunt(project, engines, "keyvault", "kv_access_from_new_ips", "2026-11-08T06:00:00")
    assert (rows[0]["CallerUpn"], rows[0]["CallerIp"], rows[0]["PublicAddress"]) == (
        "rosa.renwick@contoso.example",
        "192.0.2.160",
        True,
    )
    assert [r["PublicAddress"] for r in rows] == sorted((r["PublicAddress"] for r in rows), reverse=True)


def test_refusals_by_identity_leave_out_role_propagation(project, engines):
    refused = sum(
        1
        for r in _raw("keyvault", "AZKVAuditLogs")
        if r["HttpStatusCode"] == 403 and "ulla.bexley" in json.dumps(r["Identity"])
    )
    rows = _hunt(project, engines, "keyvault", "kv_forbidden_by_identity", "2026-11-08T06:00:00")
    by_caller = {r["CallerObjectId"]: r["Refusals"] for r in rows}
    assert rows[0]["CallerUpn"] == "ulla.bexley@contoso.example" and rows[0]["Refusals"] == refused
    assert "30af3195-2782-4226-b87c-971c7a9611e5" not in by_caller  # the new app slot right after its role grant
