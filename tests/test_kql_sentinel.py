"""Sentinel-specific warnings: look-back vs queryPeriod/queryFrequency, NRT time filters, overlap, search/union *."""

from __future__ import annotations

import pytest

from helpers import validate
from sentinel_dac.findings import Level
from test_kql_validation import position_of, rule


def check(make_project, text: str):
    root = make_project({"detections/r.yaml": text}, config="require_cases: false\n")
    return validate(root)


def only(result, code: str):
    return [f for f in result.findings if f.code == code]


def test_lookback_beyond_query_period_warns_at_the_ago_call(make_project):
    text = rule("AZKVAuditLogs\n| where TimeGenerated > ago(7d)\n| summarize count() by CallerIpAddress")
    result = check(make_project, text)
    (f,) = result.findings
    assert (f.code, f.line, f.column, f.level) == ("DAC420", *position_of(text, "ago(7d)"), Level.WARNING)
    assert "7d" in f.message and "queryPeriod 1h" in f.message
    assert not result.failed() and result.failed(strict=True)


def test_lookback_through_let_variables_is_resolved(make_project):
    text = rule("let lookback = 2d;\nAZKVAuditLogs\n| where TimeGenerated >= ago(lookback)\n| summarize count()")
    (f,) = check(make_project, text).findings
    assert f.code == "DAC420" and (f.line, f.column) == position_of(text, "ago(lookback)")


def test_window_shorter_than_frequency_misses_events(make_project):
    text = rule("AZKVAuditLogs\n| where TimeGenerated > ago(10m)\n| summarize count()", queryFrequency="1h")
    (f,) = check(make_project, text).findings
    assert f.code == "DAC421" and (f.line, f.column) == position_of(text, "ago(10m)")
    assert "every 1h" in f.message


def test_baseline_pattern_is_not_flagged(make_project):
    query = """
let recent = AZKVAuditLogs | where TimeGenerated > ago(1h) | distinct CallerIpAddress;
AZKVAuditLogs
| where TimeGenerated between (ago(14d) .. ago(1h))
| summarize seen = count() by CallerIpAddress
| join kind=rightanti recent on CallerIpAddress
"""
    assert check(make_project, rule(query, queryPeriod="14d")).findings == []


def test_nrt_time_filter_warns(make_project):
    text = rule("AzureActivity\n| where TimeGenerated > ago(5m)", kind="NRT", queryFrequency=None, queryPeriod=None)
    (f,) = check(make_project, text).findings
    assert (f.code, f.level) == ("DAC422", Level.WARNING)
    assert (f.line, f.column) == position_of(text, "ago(5m)") and "ingestion time" in f.message
    plain = rule(
        "AzureActivity\n| where OperationNameValue has 'write'", kind="NRT", queryFrequency=None, queryPeriod=None
    )
    assert check(make_project, plain).findings == []


@pytest.mark.parametrize(
    ("query", "flagged"),
    [
        ("AZKVAuditLogs\n| where OperationName == 'SecretGet'", True),  # row-level, no time filter
        ("AZKVAuditLogs\n| summarize count() by CallerIpAddress", False),  # aggregating: a sliding window
        ("AZKVAuditLogs\n| where TimeGenerated > ago(1h)", False),  # own time filter
        ("AZKVAuditLogs\n| where TimeGenerated > now() - 1h", False),  # written with now()
        ("let f = (s:datetime) { AZKVAuditLogs | where TimeGenerated > s };\nf(now())", False),  # via a parameter
    ],
)
def test_overlapping_windows_without_time_filter(make_project, query, flagged):
    text = rule(query, queryPeriod="1d", queryFrequency="1h")
    codes = [f.code for f in check(make_project, text).findings]
    assert codes == (["DAC423"] if flagged else []), codes


def test_overlap_warning_points_at_the_query(make_project):
    text = rule("AZKVAuditLogs\n| where OperationName == 'SecretGet'", queryPeriod="1d", queryFrequency="1h")
    (f,) = check(make_project, text).findings
    assert (f.line, f.column) == position_of(text, "AZKVAuditLogs") and "up to 24 runs" in f.message


def test_search_and_union_star(make_project):
    text = rule("search * | where * has 'x'")
    (f,) = check(make_project, text).findings
    assert (f.code, f.level) == ("DAC424", Level.ERROR) and (f.line, f.column) == position_of(text, "search")
    nrt = rule("union * | where TimeGenerated > ago(1m)", kind="NRT", queryFrequency=None, queryPeriod=None)
    assert {(f.code, f.level) for f in check(make_project, nrt).findings} >= {("DAC424", Level.WARNING)}
    scoped = rule("search in (AZKVAuditLogs, Syslog) 'secret' | summarize count()")
    assert check(make_project, scoped).findings == []
