"""Warnings about how Sentinel runs a rule's query, from the query's syntax tree.

Each check is about a documented Sentinel behaviour; quotes are from
learn.microsoft.com/azure/sentinel/scheduled-rules-overview (SRO) and
.../near-real-time-rules (NRT), as collected in docs/architecture.md:

- Scheduled rules run over `queryPeriod` (SRO: "Lookup data from the last ...
  the time period covered by the query"): rows older than that are not there,
  so `TimeGenerated > ago(14d)` in a rule with queryPeriod 1d silently sees 1d
  (DAC420). The reverse is worse: a window shorter than `queryFrequency` leaves
  events between runs unexamined (DAC421; the same reason Sentinel requires
  queryFrequency <= queryPeriod).
- Overlapping windows (queryPeriod > queryFrequency) "may cause some
  duplication of results" (SRO). For a query that alerts on individual rows
  and has no time filter of its own, each event is examined by several runs and
  alerts again each time (DAC423). Aggregating queries are exempt: there the
  overlap is the sliding window the author wants.
- NRT rules "capture events ingested in the preceding minute" and query "use
  the ingestion time rather than the event generation time" (NRT). A `TimeGenerated >
  ago(...)` filter adds nothing but dropping events that arrive late, which NRT
  exists to catch (DAC422). Microsoft publishes no current list of KQL
  constructs NRT rejects (the 2021 "one table, no union or join" limits were
  lifted), so nothing else is flagged for NRT.
- The rule query "cannot contain `search *` or `union *`" (SRO): an error for
  Scheduled rules, a warning for NRT (documented for scheduled rules only).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from ..content.durations import human
from ..content.model import AnalyticsRule
from ..findings import Finding, Level
from ..kql import Analysis, TimeFilter


def check_sentinel_semantics(rule: AnalyticsRule, analysis: Analysis) -> list[Finding]:
    found = list(_wildcards(rule, analysis))
    if rule.kind == "NRT":
        found += _nrt_time_filters(rule, analysis)
    elif rule.query_period is not None and rule.query_frequency is not None:
        found += _windows(rule, analysis, rule.query_period, rule.query_frequency)
    return found


def _at(rule: AnalyticsRule, offset: int, code: str, message: str, level: Level = Level.WARNING) -> Finding:
    pos = rule.query_pos(offset)
    return Finding(rule.display, pos.line, pos.column, code, message, level=level, field="query")


def _wildcards(rule: AnalyticsRule, analysis: Analysis) -> Iterable[Finding]:
    for kind, start, _ in analysis.wildcard_sources:
        what = "`search` without `in (tables)`" if kind == "search" else "`union *`"
        level = Level.ERROR if rule.kind == "Scheduled" else Level.WARNING
        yield _at(
            rule,
            start,
            "DAC424",
            f"{what} reads every table; Sentinel rule queries cannot contain `search *` or `union *` "
            "(learn.microsoft.com/azure/sentinel/scheduled-rules-overview); name the tables",
            level,
        )


def _nrt_time_filters(rule: AnalyticsRule, analysis: Analysis) -> Iterable[Finding]:
    for tf in analysis.time_filters:
        if tf.column != "TimeGenerated":
            continue
        yield _at(
            rule,
            tf.start,
            "DAC422",
            "NRT rules already select events by ingestion time (each run sees what was ingested in the "
            "preceding minute); this TimeGenerated filter only drops events that arrive late, which NRT "
            "exists to catch. Remove it, or use a Scheduled rule",
        )


def _windows(rule: AnalyticsRule, analysis: Analysis, period: timedelta, freq: timedelta) -> Iterable[Finding]:
    known = [tf for tf in analysis.time_filters if tf.lookback is not None]
    for tf in known:
        if tf.lookback > period:
            yield _at(
                rule,
                tf.start,
                "DAC420",
                f"this filter looks back {human(tf.lookback)} on {tf.column} but Sentinel runs the query over "
                f"queryPeriod {human(period)} only, so older rows are never there; set queryPeriod to "
                f"{human(tf.lookback)} or shorten the window",
            )
    for column in sorted({tf.column for tf in known}):
        if any(tf.column == column and tf.lookback is None for tf in analysis.time_filters):
            continue  # one bound we cannot evaluate may be the wide one
        widest = max((tf for tf in known if tf.column == column), key=_lookback)
        if _lookback(widest) < freq:
            yield _at(
                rule,
                widest.start,
                "DAC421",
                f"the widest {column} window is {human(_lookback(widest))} but the rule runs every "
                f"{human(freq)}, so events in between runs are never examined; widen the window to at least "
                f"{human(freq)}",
            )
    if period > freq and not analysis.time_filters and not analysis.aggregates:
        yield _at(
            rule,
            0,
            "DAC423",
            f"queryPeriod {human(period)} is longer than queryFrequency {human(freq)} and the query alerts on "
            f"individual rows without a time filter, so each event is examined by up to "
            f"{-(-period // freq)} runs and can alert each time; add `| where TimeGenerated > ago({human(freq)})` "
            "for the rows that may alert, or set queryPeriod equal to queryFrequency",
        )


def _lookback(tf: TimeFilter) -> timedelta:
    return tf.lookback or timedelta(0)
