"""The development week (benchmarks/devweek): schema-exact rows, determinism, episode labels that match
the logs, inventory that matches the logs, and benign noise that really trips naive rules."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from benchmarks.__main__ import main
from benchmarks.devweek.generator import TABLES, generate

from helpers import REPO_ROOT
from sentinel_dac.catalog.attack import atlas_techniques, techniques
from sentinel_dac.catalog.tables import builtin_catalog

SCALE = 0.1  # benign volume; episodes are never scaled, so every label is fully present
FAMILIES = {"genai-quota-abuse", "model-stealing", "stolen-keys", "genai-exfiltration", "keyvault"}
ENTITY_TYPES = {"Account", "IP", "Host", "AzureResource", "URL", "CloudApplication"}
NO_IDENTITY = {"ApiManagementGatewayLlmLog", "AzureMetrics"}  # tables that carry no caller: join needed
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@pytest.fixture(scope="module")
def week(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("devweek") / "week"
    generate(out, scale=SCALE)
    return out


@pytest.fixture(scope="module")
def rows(week: Path) -> dict[str, list[dict]]:
    return {t: [json.loads(line) for line in (week / f"{t}.jsonl").open(encoding="utf-8")] for t in TABLES}


@pytest.fixture(scope="module")
def episodes(week: Path) -> dict:
    return yaml.safe_load((week / "episodes.yaml").read_text(encoding="utf-8"))


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


FITS = {
    "string": lambda v: isinstance(v, str),
    "int": lambda v: _is_int(v) and -(2**31) <= v < 2**31,
    "long": lambda v: _is_int(v) and -(2**63) <= v < 2**63,
    "real": lambda v: _is_int(v) or isinstance(v, float),
    "bool": lambda v: isinstance(v, bool),
    "datetime": lambda v: isinstance(v, str) and bool(ISO_Z.match(v)),
    "dynamic": lambda v: isinstance(v, dict | list),
    "guid": lambda v: isinstance(v, str) and bool(GUID.match(v)),
    "timespan": lambda v: isinstance(v, str) and bool(re.match(r"^-?(\d+\.)?\d\d:\d\d:\d\d(\.\d+)?$", v)),
    "decimal": lambda v: _is_int(v) or isinstance(v, float),
}
"""How a JSON value fits a KQL column type in recorded samples (null fits any column)."""


def test_type_checks_reject_what_they_should():
    assert FITS["int"](5) and not FITS["int"](True) and not FITS["int"](2**40) and FITS["long"](2**40)
    assert FITS["real"](1) and FITS["real"](1.5) and not FITS["real"]("1.5")
    assert FITS["datetime"]("2026-11-02T00:00:00.123456Z") and not FITS["datetime"]("2026-11-02 00:00:00")
    assert FITS["dynamic"]({"a": 1}) and not FITS["dynamic"]('{"a": 1}') and not FITS["string"]({"a": 1})


# -- schema and order ------------------------------------------------------------------------------


def test_every_row_of_every_table_is_schema_exact(rows):
    catalog = builtin_catalog()
    problems: list[str] = []
    for table in TABLES:
        schema = catalog.get(table)
        assert schema is not None, table
        checks = {name: FITS[kql_type] for name, kql_type in schema.column_types().items()}
        assert rows[table], f"{table}.jsonl is empty"
        for n, row in enumerate(rows[table], 1):
            assert isinstance(row, dict), f"{table}.jsonl:{n}: not a JSON object"
            for col, value in row.items():
                check = checks.get(col)
                if check is None:
                    problems.append(f"{table}.jsonl:{n}: column {col} is not in the {table} schema")
                elif value is not None and not check(value):
                    problems.append(f"{table}.jsonl:{n}: {col}={value!r} does not fit {schema.column(col).type}")
            if row.get("Type", table) != table:
                problems.append(f"{table}.jsonl:{n}: Type {row['Type']} != {table}")
        assert problems == [], problems[:20]


def test_rows_are_sorted_and_inside_the_week(rows, episodes):
    for table, items in rows.items():
        stamps = [r["TimeGenerated"] for r in items]
        assert stamps == sorted(stamps), f"{table} is not sorted by TimeGenerated"
        assert episodes["start"][:19] <= stamps[0][:19] and stamps[-1][:19] < episodes["end"][:19], table


def test_same_seed_same_bytes_and_another_seed_differs(week: Path, tmp_path: Path):
    again = tmp_path / "again"
    generate(again, scale=SCALE)
    ours = sorted(p.relative_to(week) for p in week.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert ours == theirs
    for rel in ours:
        assert (week / rel).read_bytes() == (again / rel).read_bytes(), f"{rel} differs between two runs"
    other = tmp_path / "other"
    generate(other, scale=SCALE, seed=8, days=2)
    assert (other / "AZKVAuditLogs.jsonl").read_bytes()[:4000] != (week / "AZKVAuditLogs.jsonl").read_bytes()[:4000]


# -- episodes --------------------------------------------------------------------------------------


def test_episodes_file_format(episodes):
    assert episodes["generator"] == "benchmarks.devweek" and episodes["version"] == 1
    assert ISO_Z.match(episodes["start"]) and ISO_Z.match(episodes["end"])
    items = episodes["episodes"]
    ids = [e["id"] for e in items]
    assert len(ids) == len(set(ids)), "episode ids must be unique"
    known = set(techniques()) | set(atlas_techniques())
    required = {"id", "family", "benign", "techniques", "start", "end", "entity", "tables", "covers", "description"}
    for e in items:
        assert required <= set(e), (e["id"], required - set(e))
        assert e["family"] in FAMILIES | {"correlation"}, e["id"]
        assert isinstance(e["benign"], bool)
        assert e["techniques"] and set(e["techniques"]) <= known, (e["id"], set(e["techniques"]) - known)
        assert ISO_Z.match(e["start"]) and ISO_Z.match(e["end"]) and e["start"] < e["end"], e["id"]
        assert episodes["start"] <= e["start"] and e["end"] <= episodes["end"], e["id"]
        for ent in [e["entity"], *e.get("related", [])]:
            assert ent["type"] in ENTITY_TYPES and ent["value"], (e["id"], ent)
        assert set(e["tables"]) <= set(TABLES), e["id"]
        if "chain" in e:
            assert e["chain"] in ids and e["id"] in next(x for x in items if x["id"] == e["chain"])["steps"]
    attacks = Counter(e["family"] for e in items if not e["benign"])
    benign = Counter(e["family"] for e in items if e["benign"])
    for family in FAMILIES:
        assert attacks[family] >= 3, family
        assert benign[family] >= 1, f"{family} has no benign near-miss"
    assert attacks["correlation"] >= 2 and benign["correlation"] >= 1


def _mentions(row: dict, needles: list[str]) -> bool:
    text = json.dumps(row, ensure_ascii=False).lower()
    return any(n in text for n in needles)


def _needles(entity: dict) -> list[str]:
    return [v.lower() for v in [entity["value"], *entity.get("aliases", [])] if v]


def test_every_episode_entity_is_in_its_tables_inside_its_window(rows, episodes):
    """The labels describe the data: the key entity appears in the window, and every listed table that
    carries identities mentions one of the episode's entities in the window."""
    missing = []
    for e in episodes["episodes"]:
        if "steps" in e:  # made of other labelled episodes; checked through them
            continue
        key = _needles(e["entity"])
        every = key + [n for r in e.get("related", []) for n in _needles(r)]
        lo, hi = e["start"][:19], e["end"][:19] + "~"  # "~" sorts after any fraction
        in_window = {t: [r for r in rows[t] if lo <= r["TimeGenerated"][:19] <= hi] for t in e["tables"]}
        if not any(_mentions(r, key) for t in e["tables"] for r in in_window[t]):
            missing.append(f"{e['id']}: key entity {e['entity']['value']} not found")
        for t in e["tables"]:
            if t not in NO_IDENTITY and not any(_mentions(r, every) for r in in_window[t]):
                missing.append(f"{e['id']}: no row of {t} in the window mentions its entities")
    assert missing == []


def test_truncated_range_keeps_only_episodes_that_start_in_it(tmp_path: Path):
    out = tmp_path / "three"
    summary = generate(out, scale=0.02, days=3)
    doc = yaml.safe_load((out / "episodes.yaml").read_text())
    assert doc["end"] == "2026-11-05T00:00:00Z"
    assert {p.episode.id for p in summary.episodes} == {e["id"] for e in doc["episodes"]}
    assert all(e["start"] < "2026-11-05" and e["end"] <= doc["end"] for e in doc["episodes"])
    assert "QA-05" not in {e["id"] for e in doc["episodes"]}  # Saturday
    ms05 = next(e for e in doc["episodes"] if e["id"] == "MS-05")
    assert ms05["end"] == doc["end"], "an episode running past the range is cut at its end"


def test_warm_up_is_benign_history_and_leaves_the_week_unchanged(tmp_path: Path):
    # baselines need history before the labelled week; the week's bytes must not move when it is added
    plain, warm = tmp_path / "plain", tmp_path / "warm"
    generate(plain, scale=0.02, days=2)
    summary = generate(warm, scale=0.02, days=2, warmup_days=1)
    assert (warm / "episodes.yaml").read_text() == (plain / "episodes.yaml").read_text()
    doc = yaml.safe_load((warm / "episodes.yaml").read_text())
    before: dict[str, int] = {}
    for table in TABLES:
        lines = (warm / f"{table}.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
        history = [x for x in lines if json.loads(x)["TimeGenerated"] < doc["start"]]
        assert "".join(lines[len(history) :]) == (plain / f"{table}.jsonl").read_text(encoding="utf-8"), table
        assert all(json.loads(x)["TimeGenerated"] >= "2026-11-01T00:00:00Z" for x in history)
        before[table] = len(history)
        assert summary.rows[table] == len(lines)
    # the warm-up day is a Sunday: quiet people, busy machines (pollers, metrics, batch callers)
    assert all(before[t] > 10 for t in ("AzureDiagnostics", "AZKVAuditLogs", "AzureMetrics", "CommonSecurityLog"))
    assert "warm-up" in (warm / "README.md").read_text()


# -- inventory -------------------------------------------------------------------------------------


def _csv(week: Path, name: str) -> list[dict[str, str]]:
    with (week / "inventory" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_inventory_files_are_watchlist_shaped_and_match_the_logs(week: Path, rows):
    for path in sorted((week / "inventory").glob("*.csv")):
        items = _csv(week, path.name)
        assert items and next(iter(items[0])) == "SearchKey", path.name
        assert all(r["SearchKey"] for r in items), f"{path.name}: empty SearchKey would match everything"
    kv_blob = "\n".join(json.dumps(r) for r in rows["AZKVAuditLogs"])
    legacy_blob = "\n".join(
        json.dumps(r) for r in rows["AzureDiagnostics"] if r["ResourceProvider"] == "MICROSOFT.KEYVAULT"
    )
    for poller in _csv(week, "keyvault_pollers.csv"):
        assert poller["SearchKey"] in kv_blob or poller["SearchKey"] in legacy_blob, poller["Name"]
    aoai_blob = "\n".join(r["properties_s"] for r in rows["AzureDiagnostics"] if "properties_s" in r)
    apim_subs = {r["ApimSubscriptionId"] for r in rows["ApiManagementGatewayLogs"]}
    for caller in _csv(week, "ai_bulk_callers.csv"):
        assert caller["SearchKey"] in (aoai_blob if caller["Channel"] == "direct" else apim_subs), caller["Name"]
    hosts = {r["DestinationHostName"] for r in rows["CommonSecurityLog"]} | {
        r["Fqdn"] for r in rows["AZFWApplicationRule"]
    }
    logged_ids = {r["_ResourceId"] for r in rows["AzureDiagnostics"]}
    for endpoint in _csv(week, "aoai_endpoints.csv"):  # seen on the wire, or (private endpoint) in its own logs
        assert endpoint["SearchKey"] in hosts or endpoint["ResourceId"].lower() in logged_ids, endpoint["SearchKey"]
    for secret in _csv(week, "ai_key_secrets.csv"):
        assert secret["SearchKey"].startswith("https://") and secret["SearchKey"] + "/" in kv_blob


def test_genai_services_are_curated(week: Path):
    services = _csv(week, "genai_services.csv")
    domains = [s["SearchKey"] for s in services]
    assert all(domains) and len(domains) == len(set(domains))
    assert "ai.azure.com" not in domains and "m365.cloud.microsoft" not in domains, "the organisation's own services"
    assert {s["Sanctioned"] for s in services} == {"true", "false"}, "sanctioned is a string setting"
    assert next(s for s in services if s["SearchKey"] == "githubcopilot.com")["Sanctioned"] == "true"
    assert next(s for s in services if s["SearchKey"] == "chatgpt.com")["Sanctioned"] == "false"
    notice = (REPO_ROOT / "benchmarks/devweek/data/NOTICE.md").read_text()
    assert "MIT" in notice and "Azure-Sentinel" in notice


# -- the noise trips naive rules -------------------------------------------------------------------


def test_every_key_vault_session_starts_with_a_401_challenge(rows):
    kv = rows["AZKVAuditLogs"]
    by_ip: dict[str, list[dict]] = defaultdict(list)
    for r in kv:
        by_ip[r["CallerIpAddress"]].append(r)
    csi = by_ip["10.20.1.4"]
    assert sum(r["HttpStatusCode"] == 401 for r in csi) > 50, "pollers are challenged on every poll"
    for i, r in enumerate(csi[:-1]):
        if r["HttpStatusCode"] == 401:
            assert "Identity" not in r and csi[i + 1]["HttpStatusCode"] == 200
    failures = Counter(r["HttpStatusCode"] for r in kv if r["HttpStatusCode"] >= 400)
    assert failures[401] > 5 * failures[403], "401s dwarf real denials even at scale 0.1: never count them"


def test_known_bulk_callers_see_429_storms_at_their_peaks(rows):
    throttled: Counter[str] = Counter()
    for r in rows["AzureDiagnostics"]:
        if r.get("ResultSignature") == "429":
            throttled[json.loads(r["properties_s"])["objectId"]] += 1
    apim_429 = Counter(r["ApimSubscriptionId"] for r in rows["ApiManagementGatewayLogs"] if r["ResponseCode"] == 429)
    assert apim_429["contact-center"] > 20 and apim_429["batch-docs"] >= 1
    assert len([k for k, n in throttled.items() if n > 20]) >= 3, throttled.most_common(5)


def test_streamed_requests_have_several_llm_rows_repeating_tokens(rows):
    per_request: dict[str, list[dict]] = defaultdict(list)
    for r in rows["ApiManagementGatewayLlmLog"]:
        per_request[r["CorrelationId"]].append(r)
    gateway = {r["CorrelationId"] for r in rows["ApiManagementGatewayLogs"]}
    assert set(per_request) <= gateway, "every LLM-log row joins the gateway log on CorrelationId"
    streamed = [rs for rs in per_request.values() if len(rs) > 1]
    assert streamed and all(rs[0]["IsStreamCompletion"] for rs in streamed)
    assert all(len({r["TotalTokens"] for r in rs}) == 1 for rs in streamed), "counts repeat: sum() over-counts"


def test_ci_pipeline_reads_every_ci_secret_on_every_run(rows, week):
    sp = next(r for r in _csv(week, "keyvault_pollers.csv") if r["Name"] == "ado-ci-pipeline")["SearchKey"]
    oid = "http://schemas.microsoft.com/identity/claims/objectidentifier"
    reads = [
        r
        for r in rows["AZKVAuditLogs"]
        if r.get("Identity", {}).get("claim", {}).get(oid) == sp and r["OperationName"] == "SecretGet"
    ]
    per_minute = Counter(r["TimeGenerated"][:16] for r in reads)
    assert max(per_minute.values()) >= 12
    listkeys = [r for r in rows["AzureActivity"] if r["Caller"] == sp and "LISTKEYS" in r["OperationNameValue"]]
    assert len(listkeys) >= 14, "listKeys on every run (then key-based calls from the build NAT)"


def test_sanctioned_copilot_uploads_are_large(rows):
    sent: Counter[tuple[str, str]] = Counter()
    for r in rows["CommonSecurityLog"]:
        if r["DestinationHostName"].endswith("githubcopilot.com"):
            sent[(r["SourceUserName"], r["TimeGenerated"][:10])] += r["SentBytes"]
    assert max(sent.values()) > 20 * 1024 * 1024, "an engineer sends >20 MB a day to the sanctioned Copilot"


def test_new_hires_appear_mid_week(rows):
    first_seen: dict[str, str] = {}
    for r in rows["CommonSecurityLog"]:
        first_seen.setdefault(r["SourceUserName"], r["TimeGenerated"])
    late = [u for u, t in first_seen.items() if t >= "2026-11-04"]
    assert len(late) >= 6, late


# -- the benchmark command -------------------------------------------------------------------------


def test_benchmark_command_generates_and_reports(tmp_path: Path, capsys):
    out = tmp_path / "w"
    assert main(["devweek", "--out", str(out), "--days", "2", "--scale", "0.02"]) == 0
    text = capsys.readouterr().out
    assert "rows in 12 tables" in text and "ratio" in text and "AZKVAuditLogs" in text
    assert (out / "README.md").read_text().startswith("# The development week")
    assert main(["devweek", "--out", str(out), "--days", "2", "--scale", "0.02"]) == 0, "a previous week is replaced"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--days", "0"], "--days must be between 1 and 31"),
        (["--scale", "0"], "--scale must be > 0"),
        (["--start", "2026-11-02"], "--start must look like"),
        (["--start", "2026-11-02T06:00:00Z"], "must be midnight UTC"),
        (["--start", "2026-02-30T00:00:00Z"], "not a valid date"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path: Path, capsys, args, words):
    assert main(["devweek", "--out", str(tmp_path / "w"), *args]) == 2
    assert words in capsys.readouterr().err
    assert not any(tmp_path.iterdir()), "nothing half-written"


def test_refuses_to_replace_a_folder_that_is_not_a_week(tmp_path: Path, capsys):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    assert main(["devweek", "--out", str(target), "--days", "1", "--scale", "0.01"]) == 2
    assert "refusing to replace" in capsys.readouterr().err
    assert (target / "notes.txt").read_text() == "keep me" and len(list(tmp_path.iterdir())) == 1


# -- streaming and scale ---------------------------------------------------------------------------


def test_sink_writes_in_time_order_and_keeps_only_the_unsettled_rows(tmp_path: Path):
    from benchmarks.devweek.sink import Sink

    sink = Sink(tmp_path, ("T",), lo=0, hi=100)
    for us in (50, 10, 130, 30, 99, 100):
        sink.add("T", us, {"t": us})
    sink.flush(before=40)
    assert sink.counts["T"] == 2 and len(sink._pending["T"]) == 4, (
        "rows at or after the boundary stay in memory until their period ends"
    )
    sink.flush(before=1000)
    sink.close()
    written = [json.loads(line)["t"] for line in (tmp_path / "T.jsonl").read_text().splitlines()]
    assert written == [10, 30, 50, 99], "sorted; rows outside [lo, hi) dropped"
    assert sink.counts["T"] == 4


def test_scale_multiplies_benign_volume_but_never_the_episodes(tmp_path: Path):
    small, large = tmp_path / "small", tmp_path / "large"
    generate(small, scale=0.02, days=3)
    generate(large, scale=0.08, days=3)

    def lines(folder: Path, table: str, needle: str = "") -> int:
        return sum(needle in line for line in (folder / f"{table}.jsonl").open(encoding="utf-8"))

    for table in ("OfficeActivity", "AZFWApplicationRule"):  # no episode touches them in the first three days
        assert 3 < lines(large, table) / lines(small, table) < 5, table
    for table, attacker in (("AzureDiagnostics", "192.0.2.***"), ("AZKVAuditLogs", "192.0.2.120")):
        assert lines(small, table, attacker) == lines(large, table, attacker) > 0, (table, attacker)
