"""Per-item checks JSON Schema cannot express.

Each check takes one typed item and yields findings; `ITEM_CHECKS` lists
them so the order is explicit and a new check is one function plus one line.
Sources for the limits: Azure-Sentinel's template validation
(.script/tests/detectionTemplateSchemaValidation) and the Sentinel API docs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import timedelta

from ..catalog.attack import atlas_techniques, atlas_version, techniques
from ..content.durations import human
from ..content.model import AnalyticsRule, ContentItem, RuleMeta
from ..findings import Finding, Level

MIN_PERIOD = timedelta(minutes=5)
MAX_PERIOD = timedelta(days=14)
SUPPRESSION_RANGE = (timedelta(minutes=5), timedelta(hours=24))
GROUPING_LOOKBACK_RANGE = (timedelta(minutes=5), timedelta(days=7))
MAX_PLACEHOLDERS = 3
PLACEHOLDER = re.compile(r"{{([^{}]*)}}")
Check = Callable[[ContentItem], Iterable[Finding]]


def _f(item: ContentItem, path: tuple, code: str, message: str, level: Level = Level.ERROR) -> Finding:
    pos = item.source.pos(path)
    field = ".".join(str(p) for p in path) or None
    return Finding(item.display, pos.line, pos.column, code, message, level=level, field=field)


def check_schedule(item: ContentItem) -> Iterable[Finding]:
    if not isinstance(item, AnalyticsRule) or item.kind != "Scheduled":
        return
    freq, period = item.query_frequency, item.query_period
    for key, value, code in (("queryFrequency", freq, "DAC215"), ("queryPeriod", period, "DAC216")):
        if value is not None and not MIN_PERIOD <= value <= MAX_PERIOD:
            yield _f(item, (key,), code, f"{key} {human(value)} is outside Sentinel's range of 5m to 14d")
    if freq is None or period is None:
        return
    if period < freq:
        yield _f(
            item,
            ("queryPeriod",),
            "DAC217",
            f"queryPeriod {human(period)} is shorter than queryFrequency {human(freq)}: "
            "events between runs would never be queried",
        )
    if period >= timedelta(days=2) and freq < timedelta(hours=1):
        yield _f(
            item,
            ("queryFrequency",),
            "DAC218",
            f"queryPeriod {human(period)} is 2 days or more, so queryFrequency must be at least 1h "
            f"(found {human(freq)})",
        )


def check_suppression(item: ContentItem) -> Iterable[Finding]:
    if not isinstance(item, AnalyticsRule) or item.suppression_duration is None:
        return
    low, high = SUPPRESSION_RANGE
    if not low <= item.suppression_duration <= high:
        yield _f(
            item,
            ("suppressionDuration",),
            "DAC239",
            f"suppressionDuration {human(item.suppression_duration)} is outside 5m to 24h",
        )


def check_incident_grouping(item: ContentItem) -> Iterable[Finding]:
    if not isinstance(item, AnalyticsRule) or item.incident_configuration is None:
        return
    g = item.incident_configuration.grouping
    if g is None:
        return
    base = ("incidentConfiguration", "groupingConfiguration")
    low, high = GROUPING_LOOKBACK_RANGE
    if not low <= g.lookback <= high:
        yield _f(
            item, (*base, "lookbackDuration"), "DAC237", f"lookbackDuration {human(g.lookback)} is outside 5m to 7d"
        )
    mapped = {m.entity_type for m in item.entity_mappings}
    for i, etype in enumerate(g.group_by_entities):
        if etype not in mapped:
            yield _f(
                item,
                (*base, "groupByEntities", i),
                "DAC237",
                f"groupByEntities names {etype}, which the rule's entityMappings do not map",
            )
    for i, key in enumerate(g.group_by_custom_details):
        if key not in item.custom_details:
            yield _f(
                item,
                (*base, "groupByCustomDetails", i),
                "DAC237",
                f"groupByCustomDetails names '{key}', which is not a key of customDetails",
            )


def check_techniques(item: ContentItem) -> Iterable[Finding]:
    table = techniques()
    tactics = set(item.tactics)
    fields = [("relevantTechniques", item.techniques)]
    if "subTechniques" in item.raw:
        fields.append(("subTechniques", tuple(item.raw.get("subTechniques") or ())))
    for key, ids in fields:
        for i, tid in enumerate(ids):
            tech = table.get(tid)
            if tech is None:
                yield _f(item, (key, i), "DAC225", f"technique {tid} does not exist in ATT&CK (Enterprise or ICS)")
                continue
            if tech.revoked:
                hint = f"; use {tech.revoked_by}" if tech.revoked_by else ""
                yield _f(item, (key, i), "DAC225", f"technique {tid} ({tech.name}) was revoked by MITRE{hint}")
                continue
            if tech.deprecated:
                yield _f(
                    item,
                    (key, i),
                    "DAC242",
                    f"technique {tid} ({tech.name}) is deprecated in ATT&CK",
                    level=Level.WARNING,
                )
            parent = table.get(tech.parent) if tech.parent else None
            owning = set(tech.tactics) | (set(parent.tactics) if parent else set())
            if owning and not owning & tactics:
                yield _f(
                    item,
                    (key, i),
                    "DAC226",
                    f"technique {tid} ({tech.name}) belongs to {', '.join(sorted(owning))}; "
                    f"add one of these to tactics (found: {', '.join(item.tactics) or 'none'})",
                )


def check_entity_identifiers(item: ContentItem) -> Iterable[Finding]:
    for i, mapping in enumerate(item.entity_mappings):
        seen: set[str] = set()
        for j, fm in enumerate(mapping.field_mappings):
            if fm.identifier in seen:
                yield _f(
                    item,
                    ("entityMappings", i, "fieldMappings", j, "identifier"),
                    "DAC231",
                    f"identifier {fm.identifier} is mapped twice in the same {mapping.entity_type} entity",
                )
            seen.add(fm.identifier)


def check_alert_details_override(item: ContentItem) -> Iterable[Finding]:
    if not isinstance(item, AnalyticsRule) or item.alert_details_override is None:
        return
    ado = item.alert_details_override
    for key, text in (
        ("alertDisplayNameFormat", ado.display_name_format),
        ("alertDescriptionFormat", ado.description_format),
    ):
        if not text:
            continue
        found = PLACEHOLDER.findall(text)
        if len(found) > MAX_PLACEHOLDERS:
            yield _f(
                item,
                ("alertDetailsOverride", key),
                "DAC234",
                f"{key} has {len(found)} {{{{column}}}} placeholders; Sentinel allows at most {MAX_PLACEHOLDERS}",
            )


def check_meta(meta: RuleMeta) -> Iterable[Finding]:
    table = atlas_techniques()
    for i, aid in enumerate(meta.atlas):
        if aid not in table:
            pos = meta.source.pos(("atlas", i))
            yield Finding(
                meta.source.display,
                pos.line,
                pos.column,
                "DAC240",
                f"{aid} is not a MITRE ATLAS technique (ATLAS {atlas_version()})",
                field=f"atlas.{i}",
            )


ITEM_CHECKS: tuple[Check, ...] = (
    check_schedule,
    check_suppression,
    check_incident_grouping,
    check_techniques,
    check_entity_identifiers,
    check_alert_details_override,
)


def check_item(item: ContentItem) -> list[Finding]:
    return [f for check in ITEM_CHECKS for f in check(item)]
