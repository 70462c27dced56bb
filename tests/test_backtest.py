"""Backtest: scheduling, suppression, NRT, report formats, --expect scores and bad data — hand-checked counts.

The day of data (2024-05-01, AZKVAuditLogs, SecretGet rows by caller IP):

    203.0.113.7   02:10 02:20 02:30          -> the 03:00 run sees 3: alert
    203.0.113.7   05:10 05:20 05:30          -> the 06:00 run sees 3: alert
    203.0.113.8   05:15 05:45                -> 2, below the threshold of 3
    203.0.113.9   10:55 10:56 10:57 | 11:05  -> the 11:00 run sees 3: alert; 12:00 sees 1
    203.0.113.10  14:10 14:20 14:30, the last ingested at 15:20 (after the 15:00 run's
                  15:05 deadline)            -> the 15:00 run sees 2; 16:00's window excludes them

The rule (hourly, 1h look-back, `count >= 3` per caller, one alert per result)
therefore runs 24 times (01:00 .. 24:00) and raises exactly 3 alerts.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import rule_text
from sentinel_dac.cli import main

DAY = "2024-05-01"


def _row(time: str, ip: str, ingested: str | None = None) -> str:
    row = {"TimeGenerated": f"{DAY}T{time}:00Z", "OperationName": "SecretGet", "CallerIpAddress": ip}
    if ingested:
        row["$IngestionTime"] = f"{DAY}T{ingested}:00Z"
    return json.dumps(row)


ROWS = [
    _row("02:10", "203.0.113.7"),
    _row("02:20", "203.0.113.7"),
    _row("02:30", "203.0.113.7"),
    _row("05:10", "203.0.113.7"),
    _row("05:15", "203.0.113.8"),
    _row("05:20", "203.0.113.7"),
    _row("05:30", "203.0.113.7"),
    _row("05:45", "203.0.113.8"),
    _row("10:55", "203.0.113.9"),
    _row("10:56", "203.0.113.9"),
    _row("10:57", "203.0.113.9"),
    _row("11:05", "203.0.113.9"),
    _row("14:10", "203.0.113.10"),
    _row("14:20", "203.0.113.10"),
    _row("14:30", "203.0.113.10", ingested="15:20"),
]

QUERY = """
AZKVAuditLogs
| where OperationName == "SecretGet"
| summarize Reads = count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by Caller = CallerIpAddress
| where Reads >= 3
"""

MAPPING = dict(
    entityMappings="\n  - entityType: IP\n    fieldMappings:\n      - identifier: Address\n        columnName: Caller",
    eventGroupingSettings="\n  aggregationKind: AlertPerResult",
    customDetails="\n  Reads: Reads",
    alertDetailsOverride='\n  alertDisplayNameFormat: "{{Caller}} read {{Reads}} secrets"',
)


def project(make_project, rules: dict[str, str] | None = None, data: dict[str, str] | None = None) -> Path:
    files: dict[str, str] = {"detections/kv/reads.meta.yaml": "family: kv\n"}
    for name, text in (rules or {"reads": rule_text(QUERY, **MAPPING)}).items():
        files[f"detections/kv/{name}.yaml"] = text
    for name, text in (data if data is not None else {"AZKVAuditLogs.jsonl": "\n".join(ROWS) + "\n"}).items():
        files[f"logs/{name}"] = text
    return make_project(files, config="require_cases: false\n")


def backtest(root: Path, monkeypatch, *args: str):
    monkeypatch.chdir(root)
    return CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", DAY, "--end", "2024-05-02", *args])


def report(result) -> dict:
    assert result.output.strip().startswith("{"), result.output
    return json.loads(result.output)


def test_hourly_rule_over_a_day_hand_checked(make_project, monkeypatch):
    root = project(make_project)
    res = backtest(root, monkeypatch, "--format", "json")
    assert res.exit_code == 0, res.output
    data = report(res)
    (rule,) = data["rules"]
    assert (rule["status"], rule["runs"], rule["suppressed"], rule["alerts"]) == ("ok", 24, 0, 3)
    assert rule["alerts_per_day"] == 3.0
    assert rule["first_alert"] == "2024-05-01T03:00:00Z" and rule["last_alert"] == "2024-05-01T11:00:00Z"
    assert rule["distinct_entities"] == 2
    assert rule["top_entities"][0] == {"entity": "IP:203.0.113.7", "alerts": 2}
    alerts = data["alerts"]
    assert [(a["run_time"][11:16], a["entities"], a["custom_details"], a["title"]) for a in alerts] == [
        ("03:00", [{"type": "IP", "Address": "203.0.113.7"}], {"Reads": ["3"]}, "203.0.113.7 read 3 secrets"),
        ("06:00", [{"type": "IP", "Address": "203.0.113.7"}], {"Reads": ["3"]}, "203.0.113.7 read 3 secrets"),
        ("11:00", [{"type": "IP", "Address": "203.0.113.9"}], {"Reads": ["3"]}, "203.0.113.9 read 3 secrets"),
    ]
    assert all(a["rule"] == "Test rule" for a in alerts)
    assert data["totals"]["alerts"] == 3 and data["totals"]["runs"] == 24


def test_suppression_stops_runs_after_an_alert(make_project, monkeypatch):
    # alert at 03:00 -> no runs before 08:00 (04..07 suppressed, the 06:00 alert is lost);
    # alert at 11:00 -> no runs before 16:00 (12..15 suppressed)
    text = rule_text(QUERY, suppressionEnabled="true", suppressionDuration="5h", **MAPPING)
    root = project(make_project, {"reads": text})
    data = report(backtest(root, monkeypatch, "--format", "json"))
    (rule,) = data["rules"]
    assert (rule["runs"], rule["suppressed"], rule["alerts"]) == (16, 8, 2)
    assert [a["run_time"][11:16] for a in data["alerts"]] == ["03:00", "11:00"]


def test_query_frequency_and_period(make_project, monkeypatch):
    # every 30 minutes over a 2-hour look-back [T-2h, T): first run at 02:00, last at 24:00 -> 45 runs.
    # 203.0.113.7, 02:10-02:30: 02:30 sees two (02:30 itself is excluded), 03:00, 03:30 and 04:00 see
    # three, 04:30 one -> 3 alerts; 05:10-05:30 likewise -> 06:00, 06:30, 07:00. 203.0.113.9 (10:55-10:57,
    # 11:05): 11:00 .. 12:30 -> 4 alerts. 203.0.113.10: the row ingested at 15:20 is visible from the
    # 15:30 run (deadline 15:35) -> 15:30 and 16:00 see three -> 2 alerts. 12 in all.
    text = rule_text(QUERY, queryFrequency="30m", queryPeriod="2h", **MAPPING)
    root = project(make_project, {"reads": text})
    data = report(backtest(root, monkeypatch, "--format", "json"))
    (rule,) = data["rules"]
    assert rule["runs"] == 45
    times = [a["run_time"][11:16] for a in data["alerts"]]
    assert times == [
        "03:00", "03:30", "04:00",
        "06:00", "06:30", "07:00",
        "11:00", "11:30", "12:00", "12:30",
        "15:30", "16:00",
    ]  # fmt: skip


def test_nrt_rule_runs_every_minute_over_ingestion_time(make_project, monkeypatch):
    text = rule_text(
        'AZKVAuditLogs | where CallerIpAddress == "203.0.113.10" | project TimeGenerated, Caller = CallerIpAddress',
        kind="NRT",
        entityMappings=MAPPING["entityMappings"],
    )
    root = project(make_project, {"reads": text})
    res = backtest(root, monkeypatch, "--format", "json")
    data = report(res)
    (rule,) = data["rules"]
    # 1440 one-minute runs; the late row (TimeGenerated 14:30) is seen when it is ingested, at 15:20
    assert rule["runs"] == 1440
    assert [a["run_time"][11:16] for a in data["alerts"]] == ["14:10", "14:20", "15:20"]
    assert any("NRT rules are approximated by a one-minute schedule" in n for n in data["notes"])


def test_text_and_markdown_reports(make_project, monkeypatch):
    root = project(make_project)
    text = backtest(root, monkeypatch)
    assert text.exit_code == 0
    line = next(x for x in text.output.splitlines() if x.startswith("Test rule"))
    assert line.split()[2:7] == ["ok", "24", "0", "3", "3.0"]
    assert "top: IP:203.0.113.7 (2), IP:203.0.113.9 (1)" in text.output
    md = backtest(root, monkeypatch, "--format", "md")
    assert "| Test rule | ok | 24 | 0 | 3 | 3.0 | 2 |" in md.output


def test_out_file_is_written_whole(make_project, monkeypatch):
    root = project(make_project)
    res = backtest(root, monkeypatch, "--format", "json", "--out", "build/backtest.json")
    assert res.exit_code == 0
    assert json.loads((root / "build" / "backtest.json").read_text())["totals"]["alerts"] == 3
    assert not list((root / "build").glob("*.tmp"))


EPISODES = """
episodes:
  - {id: KV-01, family: kv, benign: false, start: '2024-05-01T02:00:00Z', end: '2024-05-01T02:40:00Z',
     entity: {type: IP, value: 203.0.113.7}}
  - {id: KV-02, family: kv, benign: false, start: '2024-05-01T20:00:00Z', end: '2024-05-01T21:00:00Z',
     entity: {type: IP, value: 198.51.100.1, aliases: [198.51.100.***]}}
  - {id: KV-B1, family: kv, benign: true, start: '2024-05-01T10:50:00Z', end: '2024-05-01T11:10:00Z',
     entity: {type: IP, value: 203.0.113.9}}
"""


def test_expect_scores_episodes_and_families(make_project, monkeypatch):
    root = project(make_project)
    (root / "episodes.yaml").write_text(EPISODES)
    data = report(backtest(root, monkeypatch, "--format", "json", "--expect", "episodes.yaml"))
    episodes = {e["id"]: (e["covered"], e["rules"]) for e in data["expect"]["episodes"]}
    assert episodes == {"KV-01": (True, ["Test rule"]), "KV-02": (False, []), "KV-B1": (True, ["Test rule"])}
    (kv,) = data["expect"]["families"]
    # 3 alerts: 03:00 covers KV-01 (true positive); 06:00 covers nothing; 11:00 is on the benign KV-B1
    assert (kv["episodes"], kv["covered"], kv["recall"]) == (2, 1, 0.5)
    assert (kv["alerts"], kv["true_positive_alerts"], kv["precision"]) == (3, 1, 0.333)
    assert kv["false_positives_per_day"] == 2.0
    text = backtest(root, monkeypatch, "--expect", "episodes.yaml").output
    assert "KV-02    kv                   attack MISSED" in text
    assert "KV-B1    kv                   benign FALSE POSITIVE by Test rule" in text


def test_expect_file_errors_name_the_line(make_project, monkeypatch):
    root = project(make_project)
    (root / "episodes.yaml").write_text("episodes:\n  - {id: A, family: kv, start: nope, end: x, entity: {}}\n")
    res = backtest(root, monkeypatch, "--expect", "episodes.yaml")
    assert res.exit_code == 1
    assert "episodes.yaml:2:" in res.output and "start" in res.output


def test_rule_without_data_is_reported_not_quiet(make_project, monkeypatch):
    rules = {
        "reads": rule_text(QUERY, **MAPPING),
        "signins": rule_text(
            "SigninLogs | where ResultType != '0'", id="00000000-0000-4000-8000-000000000002", name="Sign-ins"
        ),
    }
    root = project(make_project, rules)
    res = backtest(root, monkeypatch, "--format", "json")
    assert res.exit_code == 3
    data = report(res)
    status = {r["rule"]: (r["status"], r["runs"]) for r in data["rules"]}
    assert status == {"Test rule": ("ok", 24), "Sign-ins": ("no-data", 0)}
    problem = next(r["problem"] for r in data["rules"] if r["rule"] == "Sign-ins")
    assert "DAC704" in problem and "SigninLogs" in problem and "not a quiet rule" in problem


def test_range_shorter_than_query_period(make_project, monkeypatch):
    root = project(make_project, {"reads": rule_text(QUERY, queryFrequency="1h", queryPeriod="2d", **MAPPING)})
    res = backtest(root, monkeypatch)
    assert res.exit_code == 3
    assert "DAC705" in res.output and "shorter than queryPeriod 2d" in res.output


def test_logs_before_start_are_look_back_history(make_project, monkeypatch):
    # 6h look-back, hourly, --start 10:00: the logs from 02:00 cover a whole look-back at once, so runs
    # start at 11:00 (not 16:00, past the data) and read back to 05:00; nothing runs before --start
    root = project(make_project, {"reads": rule_text(QUERY, queryFrequency="1h", queryPeriod="6h", **MAPPING)})
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", f"{DAY}T10:00:00Z", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = report(res)
    assert data["history"] == "2024-05-01T02:00:00Z" and data["start"] == "2024-05-01T10:00:00Z"
    (rule,) = data["rules"]
    assert (rule["status"], rule["runs"]) == ("ok", 5)  # 11:00 .. 15:00
    # 11:00 sees .7's 05:10-05:30 and .9's three; 12:00-15:00 see .9's four; .10's third row is late
    assert [(a["run_time"][11:16], a["entities"][0]["Address"]) for a in data["alerts"]] == [
        ("11:00", "203.0.113.7"), ("11:00", "203.0.113.9"), ("12:00", "203.0.113.9"),
        ("13:00", "203.0.113.9"), ("14:00", "203.0.113.9"), ("15:00", "203.0.113.9"),
    ]  # fmt: skip
    md = CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", f"{DAY}T10:00:00Z", "--format", "md"])
    assert "look-backs read logs from 2024-05-01T02:00:00Z" in md.output
    # a look-back longer than all the logs is still too short, and says how much there was
    root2 = project(make_project, {"reads": rule_text(QUERY, queryFrequency="1h", queryPeriod="2d", **MAPPING)})
    monkeypatch.chdir(root2)
    res = CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", f"{DAY}T10:00:00Z"])
    assert res.exit_code == 3
    assert "DAC705" in res.output and "the logs 2024-05-01T02:00:00Z .. 2024-05-01T15:00:00Z (13h)" in res.output


def test_expect_range_is_the_default_range(make_project, monkeypatch):
    # the labels cover 10:00..15:00: the logs before are history, never scored; --start overrides
    root = project(make_project, {"reads": rule_text(QUERY, queryFrequency="1h", queryPeriod="6h", **MAPPING)})
    (root / "episodes.yaml").write_text(
        "start: '2024-05-01T10:00:00Z'\nend: '2024-05-01T15:00:00Z'\n" + EPISODES.replace("family: kv", "family: x")
    )
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["backtest", "--data", "logs", "--expect", "episodes.yaml", "--format", "json"])
    data = report(res)
    assert (data["start"], data["end"], data["rules"][0]["runs"]) == ("2024-05-01T10:00:00Z", "2024-05-01T15:00:00Z", 5)
    res = CliRunner().invoke(
        main, ["backtest", "--data", "logs", "--expect", "episodes.yaml", "--start", DAY, "--format", "json"]
    )
    assert report(res)["start"] == "2024-05-01T00:00:00Z"


def test_end_before_start_is_a_usage_error(make_project, monkeypatch):
    root = project(make_project)
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", "2024-05-02", "--end", DAY])
    assert res.exit_code == 2
    assert "--end" in res.output and "not after --start" in res.output


def test_unordered_file_names_the_line(make_project, monkeypatch):
    rows = [ROWS[0], ROWS[2], ROWS[1], *ROWS[3:]]
    root = project(make_project, data={"AZKVAuditLogs.jsonl": "\n".join(rows) + "\n"})
    res = backtest(root, monkeypatch)
    assert res.exit_code == 1
    assert "logs/AZKVAuditLogs.jsonl:3:1: DAC701" in res.output
    assert "2024-05-01T02:20:00Z comes after 2024-05-01T02:30:00Z" in res.output


def test_overlapping_files(make_project, monkeypatch):
    data = {
        "a.AZKVAuditLogs.jsonl": "\n".join(ROWS[:8]) + "\n",
        "b.AZKVAuditLogs.jsonl": "\n".join(ROWS[5:]) + "\n",
    }
    root = project(make_project, data=data)
    res = backtest(root, monkeypatch)
    assert res.exit_code == 1
    assert "DAC702" in res.output and "a.AZKVAuditLogs.jsonl" in res.output


def test_split_files_give_the_same_alerts(make_project, monkeypatch):
    data = {
        "day1-am.AZKVAuditLogs.jsonl": "\n".join(ROWS[:8]) + "\n",
        "day1-pm.AZKVAuditLogs.jsonl": "\n".join(ROWS[8:]) + "\n",
    }
    root = project(make_project, data=data)
    data_out = report(backtest(root, monkeypatch, "--format", "json"))
    assert data_out["rules"][0]["alerts"] == 3


def test_gaps_are_warned(make_project, monkeypatch):
    rows = [_row(f"{h:02d}:{m:02d}", "192.0.2.1") for h in range(0, 6) for m in range(0, 60, 5)]
    root = project(make_project, data={"AZKVAuditLogs.jsonl": "\n".join(rows) + "\n"})
    res = backtest(root, monkeypatch)
    assert res.exit_code == 0
    assert "DAC703" in res.output and "no rows from 2024-05-01T05:55:00Z to 2024-05-02T00:00:00Z" in res.output


@pytest.mark.parametrize(
    ("line", "code", "where"),
    [
        ('{"TimeGenerated": "2024-05-01T02:10:00Z", "CallerIpAddress": 7}', "DAC503", ":1:"),
        ('{"TimeGenerated": "2024-05-01T02:10:00Z", "CallerIP": "x"}', "DAC502", ":1:"),
        ('{"TimeGenerated": "2024-05-01T02:10:00"}', "DAC504", ":1:"),
        ('{"TimeGenerated": "2024-05-01T02:10:00Z"', "DAC500", ":1:"),
    ],
)
def test_bad_rows_are_findings_with_file_line_column(make_project, monkeypatch, line, code, where):
    root = project(make_project, data={"AZKVAuditLogs.jsonl": line + "\n"})
    res = backtest(root, monkeypatch)
    assert res.exit_code == 1
    assert f"logs/AZKVAuditLogs.jsonl{where}" in res.output and code in res.output


def test_offset_time_zones_load_through_the_sample_reader(make_project, monkeypatch):
    rows = [r.replace(":00Z", ":00+00:00") for r in ROWS]
    root = project(make_project, data={"AZKVAuditLogs.jsonl": "\n".join(rows) + "\n"})
    data = report(backtest(root, monkeypatch, "--format", "json"))
    assert data["rules"][0]["alerts"] == 3


def test_unknown_table_file_and_missing_folder(make_project, monkeypatch):
    # a file of a table no schema knows is skipped with a warning (a recorded workspace holds many tables);
    # here the rule's own table then has no data: not backtested (exit 3), never quiet
    root = project(make_project, data={"x.NotATable.jsonl": ROWS[0] + "\n"})
    res = backtest(root, monkeypatch)
    assert res.exit_code == 3 and "DAC501" in res.output and "skipped: unknown table 'NotATable'" in res.output
    assert "DAC704" in res.output
    res = CliRunner().invoke(main, ["backtest", "--data", "nowhere"])
    assert res.exit_code == 1 and "DAC700" in res.output


def test_staged_make_series_on_an_empty_window(make_project, monkeypatch):
    query = """
    AZKVAuditLogs
    | make-series Reads = count() default = 0 on TimeGenerated from ago(1h) to now() step 10m by CallerIpAddress
    | project CallerIpAddress, Reads
    """
    root = project(make_project, {"reads": rule_text(query)})
    data = report(backtest(root, monkeypatch, "--format", "json"))
    (rule,) = data["rules"]
    assert rule["status"] == "ok" and rule["problem"] is None
    assert not any("fails on empty input" in n for n in rule["notes"])


def test_check_points_at_the_standing_backtest_report(make_project, monkeypatch):
    import os

    root = project(make_project)
    (root / "episodes.yaml").write_text(EPISODES)
    (root / "sentinel-dac.yaml").write_text(
        "require_cases: false\n"
        "backtest:\n  data: logs\n  expect: episodes.yaml\n  report: build/backtest.md\n"
        "  generate: python -m benchmarks devweek --out logs\n"
    )
    monkeypatch.chdir(root)
    before = CliRunner().invoke(main, ["check"])
    assert (
        "backtest: per-family precision/recall report build/backtest.md not written yet; run: sentinel-dac backtest"
        in (before.output)
    )
    res = CliRunner().invoke(main, ["backtest"])
    assert res.exit_code == 0, res.output
    md = (root / "build" / "backtest.md").read_text()
    assert "| kv | 1 | 2 | 1 | 50% | 3 | 33% | 3.69 |" in md  # default range: the data's hours, 02:00..15:00
    after = CliRunner().invoke(main, ["check"])
    assert "backtest: per-family precision/recall report: build/backtest.md (written " in after.output
    assert "STALE" not in after.output
    rule = root / "detections" / "kv" / "reads.yaml"
    future = (root / "build" / "backtest.md").stat().st_mtime + 60
    os.utime(rule, (future, future))
    assert "STALE: content changed since" in CliRunner().invoke(main, ["check"]).output


def test_check_without_a_backtest_section_says_how(make_project, monkeypatch):
    root = project(make_project)
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["check"])
    assert "backtest: not configured" in res.output
    res = CliRunner().invoke(main, ["backtest"])
    assert res.exit_code == 2 and "give --data DIR" in res.output


def test_standing_backtest_without_its_data_says_how_to_generate(make_project, monkeypatch):
    root = project(make_project)
    (root / "sentinel-dac.yaml").write_text(
        "backtest:\n  data: week\n  generate: python -m benchmarks devweek --out week\n"
    )
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["backtest"])
    assert res.exit_code == 2 and "generate it: python -m benchmarks devweek --out week" in res.output


def test_parallel_rules_give_the_same_report(make_project, monkeypatch):
    rules = {
        "reads": rule_text(QUERY, **MAPPING),
        "often": rule_text(
            QUERY, id="00000000-0000-4000-8000-000000000003", name="Often", queryFrequency="30m", queryPeriod="2h",
            **MAPPING,
        ),
        "nrt": rule_text(
            'AZKVAuditLogs | where CallerIpAddress == "203.0.113.10" | project Caller = CallerIpAddress',
            id="00000000-0000-4000-8000-000000000004", name="Near real time", kind="NRT",
            entityMappings=MAPPING["entityMappings"],
        ),
    }  # fmt: skip
    root = project(make_project, rules)
    one = report(backtest(root, monkeypatch, "--format", "json", "--jobs", "1"))
    two = report(backtest(root, monkeypatch, "--format", "json", "--jobs", "3"))
    assert [(r["rule"], r["runs"], r["alerts"]) for r in two["rules"]] == [
        (r["rule"], r["runs"], r["alerts"]) for r in one["rules"]
    ]
    assert {(r["rule"], r["alerts"]) for r in one["rules"]} == {("Test rule", 3), ("Often", 12), ("Near real time", 3)}
    assert sorted(json.dumps(a, sort_keys=True) for a in two["alerts"]) == sorted(
        json.dumps(a, sort_keys=True) for a in one["alerts"]
    )


def test_every_repo_rule_backtests_over_the_development_week(tmp_path, monkeypatch):
    """Done-when of issue 7: the repo's rules over the (thinned) development week, scored against its labels.

    The generator's files must take the fast loading path (canonical values only, in time order): a
    fallback to the row-by-row sample reader would make the 1M-rows benchmark crawl. Runs cover the
    week's last day, with the six days before it and one warm-up day as look-back history: every rule
    (look-backs up to 8d) runs with whole look-backs, and CI pays for a day of runs, not a week.
    """
    import yaml
    from benchmarks.devweek.generator import generate

    from helpers import REPO_ROOT, load
    from sentinel_dac.backtest import jsonl
    from sentinel_dac.backtest.expect import labelled_range, load_episodes, score
    from sentinel_dac.backtest.run import run_backtest
    from sentinel_dac.backtest.source import FolderSource

    week = tmp_path / "week"
    summary = generate(week, scale=0.05, warmup_days=1)  # one day of history: the 8d look-backs fit once

    def no_slow_path(schema, path, shown, delay):
        raise AssertionError(f"{shown} fell back to the sample reader")

    monkeypatch.setattr(jsonl, "_check_slow", no_slow_path)
    project = load(REPO_ROOT)
    week_start, end = labelled_range(week / "episodes.yaml", "episodes.yaml")
    start = end - timedelta(days=1)
    result = run_backtest(project, project.rules, FolderSource(week, "week"), start, end, jobs=2)
    assert not result.failed, [f.render() for f in result.findings] + [
        o.problem.render() for o in result.rules if o.problem
    ]
    # a rule whose look-back is longer than the week plus its warm-up cannot run: reported, never quiet
    logs_span = end - week_start + timedelta(days=1)
    expected = {
        r.display: "ok" if (r.query_period or timedelta(0)) <= logs_span else "too-short" for r in project.rules
    }
    assert {o.rule.display: o.status for o in result.rules} == expected
    assert result.days == 1 and result.history == week_start - timedelta(days=1)
    for name, stats in result.tables.items():
        assert stats.rows == summary.rows[name]
    runs = {o.rule.display: o.runs for o in result.rules}
    assert runs["detections/genai-quota-abuse/aks_gpu_node_pool_unusual.yaml"] == 24  # 1h/1h: every hour
    assert runs["detections/openai/aoai_token_usage_anomaly.yaml"] == 24  # 7d: every hour, history behind it
    assert runs["detections/keyvault/kv_mass_secret_read.yaml"] == 1  # 8d: the warm-up day plus the week, once
    assert runs["detections/model-stealing/aoai_low_and_slow_around_the_clock.yaml"] == 1  # daily
    labels = yaml.safe_load((week / "episodes.yaml").read_text())["episodes"]
    scored = score(load_episodes(week / "episodes.yaml", "episodes.yaml"), result.rules, result.days, "episodes.yaml")
    assert len(scored.episodes) == len(labels)
    attack = {f.family: f.episodes for f in scored.families if f.episodes}
    assert sum(attack.values()) == sum(1 for e in labels if not e["benign"])


def test_bad_times_and_a_range_beyond_the_data(make_project, monkeypatch):
    root = project(make_project)
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", "yesterday"])
    assert res.exit_code == 2 and "--start: 'yesterday' is not an ISO-8601 timestamp" in res.output
    res = CliRunner().invoke(
        main, ["backtest", "--data", "logs", "--start", "2024-05-01T00:00:00", "--end", "2024-05-02"]
    )
    assert res.exit_code == 2 and "no time zone" in res.output
    res = CliRunner().invoke(main, ["backtest", "--data", "logs", "--start", "2024-06-01", "--end", "2024-06-02"])
    assert res.exit_code == 0
    assert (
        "DAC703" in res.output
        and "AZKVAuditLogs has no rows in 2024-06-01T00:00:00Z .. 2024-06-02T00:00:00Z" in res.output
    )


def test_case_distinct_column_spelling_is_kept(make_project, monkeypatch):
    # AzureDiagnostics has clientIP_s and clientIp_s; DuckDB folds case, the catalogue's first spelling is
    # stored and the file's spelling still lands in it (the query uses the file's spelling)
    rows = [
        json.dumps({"TimeGenerated": f"{DAY}T01:{m:02d}:00Z", "Category": "GatewayLogs", "clientIp_s": "192.0.2.9"})
        for m in range(3)
    ]
    query = "AzureDiagnostics | summarize n = count() by Caller = clientIp_s | where n >= 3"
    root = project(make_project, {"reads": rule_text(query, **MAPPING | {"customDetails": "\n  N: n"})},
                   data={"AzureDiagnostics.jsonl": "\n".join(rows) + "\n"})  # fmt: skip
    data = report(backtest(root, monkeypatch, "--format", "json"))
    assert [a["entities"] for a in data["alerts"]] == [[{"type": "IP", "Address": "192.0.2.9"}]]
