"""Sentinel rule semantics: window and delay, NRT, trigger, event grouping and its limits, entities, details."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import dataset, rule_text
from sentinel_dac.content.build import build_rule
from sentinel_dac.content.yamlsrc import load_yaml
from sentinel_dac.simulate import limits, run_window, simulate_run

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
ALL_ROWS = "AZKVAuditLogs | project TimeGenerated, CallerIpAddress, OperationName, Id"


def make_rule(tmp_path: Path, query: str = ALL_ROWS, **fields):
    path = tmp_path / "rule.yaml"
    path.write_text(rule_text(query, **fields))
    return build_rule(load_yaml(path))


def rows(n: int, minute: int = 10, **extra) -> list[dict]:
    return [
        {
            "TimeGenerated": f"2024-05-01T11:{minute:02d}:00Z",
            "CallerIpAddress": f"10.0.{i // 250}.{i % 250}",
            "Id": f"s{i}",
            **extra,
        }
        for i in range(n)
    ]


def test_scheduled_window_ends_at_the_run_and_waits_five_minutes_for_ingestion(tmp_path):
    rule = make_rule(tmp_path, queryPeriod="2h")
    window = run_window(rule, NOW)
    assert (window.start, window.end) == (NOW - timedelta(hours=2), NOW)
    assert window.ingested_until == NOW + limits.SCHEDULED_DELAY == NOW + timedelta(minutes=5)


def test_late_rows_are_missed_exactly_as_in_sentinels_ingestion_delay_example(tmp_path, engine):
    """docs ingestion-delay.md: an event ingested after the run executed is never seen by a 5-minute rule."""
    rule = make_rule(tmp_path, queryPeriod="5m", queryFrequency="5m")
    event = {"TimeGenerated": "2024-05-01T11:56:00Z", "Id": "late"}
    engine.load(dataset({"AZKVAuditLogs": [{**event, "$IngestionTime": "2024-05-01T12:04:00Z"}]}))
    assert simulate_run(rule, engine, NOW).fired  # within the five-minute delay: seen
    engine.load(dataset({"AZKVAuditLogs": [{**event, "$IngestionTime": "2024-05-01T12:06:00Z"}]}))
    assert not simulate_run(rule, engine, NOW).fired
    assert not simulate_run(
        rule, engine, NOW + timedelta(minutes=5)
    ).fired  # next run: outside its TimeGenerated window


def test_ingestion_time_filters_catch_late_rows(tmp_path, engine):
    query = """
    AZKVAuditLogs
    | where TimeGenerated >= ago(30m)
    | where ingestion_time() > ago(5m)
    """
    rule = make_rule(tmp_path, query, queryPeriod="30m", queryFrequency="5m")
    engine.load(
        dataset(
            {"AZKVAuditLogs": [{"TimeGenerated": "2024-05-01T11:48:00Z", "$IngestionTime": "2024-05-01T11:57:00Z"}]}
        )
    )
    assert simulate_run(rule, engine, NOW).fired
    assert not simulate_run(rule, engine, NOW + timedelta(minutes=5)).fired  # still in the window, ingested too early


def test_nrt_reads_the_last_minute_of_ingestion_and_always_alerts(tmp_path, engine):
    rule = make_rule(tmp_path, kind="NRT")
    window = run_window(rule, NOW)
    assert (window.start, window.end) == (None, None)
    assert (window.ingested_after, window.ingested_until) == (NOW - timedelta(minutes=1), NOW)
    engine.load(
        dataset(
            {"AZKVAuditLogs": [{"TimeGenerated": "2024-05-01T09:00:00Z", "$IngestionTime": "2024-05-01T11:59:30Z"}]}
        )
    )
    run = simulate_run(rule, engine, NOW)
    assert run.fired and len(run.alerts) == 1 and run.trigger == "1 result(s) greater than 0"
    assert not simulate_run(rule, engine, NOW + timedelta(minutes=1)).fired


@pytest.mark.parametrize(
    ("operator", "threshold", "count", "fires"),
    [
        ("gt", 2, 3, True),
        ("gt", 3, 3, False),
        ("lt", 1, 0, True),
        ("lt", 3, 3, False),
        ("eq", 3, 3, True),
        ("ne", 3, 3, False),
    ],
)
def test_trigger_compares_the_result_count(tmp_path, engine, operator, threshold, count, fires):
    rule = make_rule(tmp_path, triggerOperator=operator, triggerThreshold=str(threshold))
    engine.load(dataset({"AZKVAuditLogs": rows(count)}))
    run = simulate_run(rule, engine, NOW)
    assert run.triggered is fires and run.fired is fires
    if fires and count == 0:
        assert len(run.alerts) == 1 and run.alerts[0].rows == []


def test_single_alert_groups_every_result(tmp_path, engine):
    rule = make_rule(tmp_path)
    engine.load(dataset({"AZKVAuditLogs": rows(5)}))
    run = simulate_run(rule, engine, NOW)
    assert len(run.alerts) == 1 and len(run.alerts[0].rows) == 5
    assert run.alerts[0].start_time == run.alerts[0].end_time == datetime(2024, 5, 1, 11, 10, tzinfo=UTC)


def test_alert_per_result_is_capped_at_150_with_a_summary_alert(tmp_path, engine):
    rule = make_rule(tmp_path, eventGroupingSettings="\n  aggregationKind: AlertPerResult")
    engine.load(dataset({"AZKVAuditLogs": rows(160)}))
    run = simulate_run(rule, engine, NOW)
    assert len(run.alerts) == limits.MAX_ALERTS_PER_RUN == 150
    assert all(len(a.rows) == 1 and not a.summary for a in run.alerts[:149])
    assert run.alerts[-1].summary and len(run.alerts[-1].rows) == 160
    assert any("exceed the 150-alert limit" in n for n in run.notes)
    engine.load(dataset({"AZKVAuditLogs": rows(150)}))
    assert len(simulate_run(rule, engine, NOW).alerts) == 150 and not simulate_run(rule, engine, NOW).alerts[-1].summary


def test_nrt_alert_per_result_is_capped_at_30(tmp_path, engine):
    rule = make_rule(tmp_path, kind="NRT", eventGroupingSettings="\n  aggregationKind: AlertPerResult")
    engine.load(dataset({"AZKVAuditLogs": [{**r, "$IngestionTime": "2024-05-01T11:59:59Z"} for r in rows(40)]}))
    run = simulate_run(rule, engine, NOW)
    assert len(run.alerts) == 30 and run.alerts[-1].summary and len(run.alerts[-1].rows) == 40


MAPPINGS = """
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: CallerIpAddress
  - entityType: Account
    fieldMappings:
      - identifier: UPNSuffix
        columnName: OperationName
"""


def test_entities_need_required_identifiers_and_are_limited_per_mapping(tmp_path, engine):
    rule = make_rule(tmp_path, entityMappings=MAPPINGS)
    engine.load(dataset({"AZKVAuditLogs": rows(300, OperationName="contoso.com")}))
    alert = simulate_run(rule, engine, NOW).alerts[0]
    assert {e.type for e in alert.entities} == {"IP"}  # UPNSuffix alone cannot make an Account
    assert len(alert.entities) == limits.MAX_ENTITIES_PER_ALERT // 2 == 250  # 500 divided among 2 mappings
    assert any("50 IP entities dropped" in n for n in alert.notes)


def test_duplicate_entities_are_one(tmp_path, engine):
    rule = make_rule(tmp_path, entityMappings=MAPPINGS)
    engine.load(
        dataset({"AZKVAuditLogs": [{"TimeGenerated": "2024-05-01T11:00:00Z", "CallerIpAddress": "10.0.0.1"}] * 3})
    )
    assert [e.identifiers for e in simulate_run(rule, engine, NOW).alerts[0].entities] == [{"Address": "10.0.0.1"}]


def test_custom_details_hold_distinct_values_up_to_50(tmp_path, engine):
    rule = make_rule(tmp_path, customDetails="\n  Caller: CallerIpAddress\n  Operation: OperationName")
    engine.load(dataset({"AZKVAuditLogs": rows(60, OperationName="SecretGet")}))
    details = simulate_run(rule, engine, NOW).alerts[0].custom_details
    assert details["Operation"] == ["SecretGet"]
    assert len(details["Caller"]) == limits.MAX_CUSTOM_DETAIL_VALUES == 50


OVERRIDE = """
  alertDisplayNameFormat: "{{OperationName}} from {{CallerIpAddress}}"
  alertDescriptionFormat: "Read {{Id}}"
  alertSeverityColumnName: Sev
  alertTacticsColumnName: Tac
  alertDynamicProperties:
    - alertProperty: ProductComponentName
      value: Id
"""


def test_alert_details_override_renders_and_reverts(tmp_path, engine):
    query = (
        ALL_ROWS
        + " | extend Sev = iff(Id == 's0', 'high', 'Urgent'), Tac = iff(Id == 's0', 'Collection,Impact', 'Bogus')"
    )
    rule = make_rule(
        tmp_path, query, alertDetailsOverride=OVERRIDE, eventGroupingSettings="\n  aggregationKind: AlertPerResult"
    )
    data = rows(2, OperationName="SecretGet")
    data[1]["CallerIpAddress"] = ""
    engine.load(dataset({"AZKVAuditLogs": data}))
    first, second = sorted(simulate_run(rule, engine, NOW).alerts, key=lambda a: a.properties["ProductComponentName"])
    assert (first.title, first.description, first.severity) == ("SecretGet from 10.0.0.0", "Read s0", "High")
    assert first.tactics == ("Collection", "Impact")
    assert second.title == "Test rule"  # {{CallerIpAddress}} empty: the name reverts to the rule's
    assert (second.severity, second.tactics) == ("Medium", ("CredentialAccess",))  # invalid values revert


def test_single_alert_placeholders_come_from_the_first_row(tmp_path, engine):
    rule = make_rule(
        tmp_path, ALL_ROWS + " | order by Id asc", alertDetailsOverride='\n  alertDisplayNameFormat: "first {{Id}}"'
    )
    engine.load(dataset({"AZKVAuditLogs": rows(3)}))
    assert simulate_run(rule, engine, NOW).alerts[0].title == "first s0"


def test_run_times_must_carry_a_zone(tmp_path, engine):
    engine.load(dataset())
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate_run(make_rule(tmp_path), engine, datetime(2024, 5, 1, 12))
