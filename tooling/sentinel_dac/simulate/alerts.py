"""From query results to alerts: grouping, entities, custom details, overridden details.

Documented behaviour (limits.py cites each): event grouping SingleAlert vs
AlertPerResult with the 150/30-alert cap and the summarising last alert;
entities from entityMappings, at most 500 per alert divided equally among the
mappings and 64 KB in all; custom details (50 values each, 2 KB in all);
`{{column}}` placeholders, reverting to the rule's defaults when a referenced
value is empty; severity and tactics columns that revert when invalid.

Our choices where Microsoft is silent (docs/architecture.md, "Simulator
model"): a SingleAlert's `{{column}}` values come from the first result row;
an entity is created when its identifiers fill one of the entity type's
required identifier sets (Azure-Sentinel's validation data); custom detail
values are the distinct texts of the column over the alert's rows, in order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..catalog.attack import sentinel_tactics
from ..catalog.entities import required_identifier_sets
from ..content.model import AnalyticsRule
from ..engine.kqltypes import to_text
from . import limits

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


@dataclass(frozen=True)
class Entity:
    type: str
    identifiers: dict[str, str]

    def key(self) -> tuple:
        return (self.type, tuple(sorted(self.identifiers.items())))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "identifiers": dict(self.identifiers)}


@dataclass
class Alert:
    title: str
    description: str
    severity: str
    tactics: tuple[str, ...]
    techniques: tuple[str, ...]
    entities: list[Entity] = field(default_factory=list)
    custom_details: dict[str, list[str]] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    start_time: datetime | None = None
    end_time: datetime | None = None
    summary: bool = False
    """True for the last alert of a capped AlertPerResult run, which summarises every result."""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "severity": self.severity,
            "tactics": list(self.tactics),
            "entities": [e.to_dict() for e in self.entities],
            "custom_details": self.custom_details,
            "properties": self.properties,
            "events": len(self.rows),
            "summary": self.summary,
        }


def build_alerts(rule: AnalyticsRule, records: list[dict[str, Any]]) -> list[Alert]:
    """The alerts one triggered run raises for `records` (the query's result rows)."""
    cap = limits.MAX_ALERTS_PER_RUN_NRT if rule.kind == "NRT" else limits.MAX_ALERTS_PER_RUN
    if rule.aggregation != "AlertPerResult" or not records:
        return [make_alert(rule, records)]
    if len(records) <= cap:
        return [make_alert(rule, [r]) for r in records]
    alerts = [make_alert(rule, [r]) for r in records[: cap - 1]]
    last = make_alert(rule, records, summary=True)
    last.notes.append(
        f"{len(records)} results exceed the {cap}-alert limit per run: the first {cap - 1} results raised one alert "
        f"each and alert {cap} summarises all {len(records)}"
    )
    return [*alerts, last]


def make_alert(rule: AnalyticsRule, rows: list[dict[str, Any]], summary: bool = False) -> Alert:
    first = rows[0] if rows else {}
    override = rule.alert_details_override
    notes: list[str] = []
    title = _render(override.display_name_format if override else None, first, rule.name)
    description = _render(override.description_format if override else None, first, rule.description)
    severity = _severity(rule, first, override.severity_column if override else None)
    tactics = _tactics(rule, first, override.tactics_column if override else None)
    properties = {}
    for prop, column in override.dynamic_properties if override else ():
        value = to_text(first.get(column))
        if value:
            properties[prop] = value
    for name, text, cap in (
        ("title", title, limits.MAX_ALERT_NAME_BYTES),
        ("description", description, limits.MAX_DESCRIPTION_BYTES),
    ):
        if len(text.encode()) > cap:
            notes.append(f"rendered alert {name} is {len(text.encode())} bytes; Sentinel's limit is {cap} bytes")
    entities, entity_notes = extract_entities(rule, rows)
    details, detail_notes = custom_details(rule, rows)
    times = [r["TimeGenerated"] for r in rows if isinstance(r.get("TimeGenerated"), datetime)]
    return Alert(
        title=title,
        description=description,
        severity=severity,
        tactics=tactics,
        techniques=rule.techniques,
        entities=entities,
        custom_details=details,
        properties=properties,
        rows=rows,
        start_time=min(times) if times else None,
        end_time=max(times) if times else None,
        summary=summary,
        notes=notes + entity_notes + detail_notes,
    )


def _render(template: str | None, row: dict[str, Any], default: str) -> str:
    """`{{column}}` placeholders filled from `row`; any empty value reverts the field to its default."""
    if not template:
        return default
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal missing
        value = to_text(row.get(match.group(1)))
        if not value:
            missing = True
        return value

    text = PLACEHOLDER.sub(fill, template)
    return default if missing else text


def _severity(rule: AnalyticsRule, row: dict[str, Any], column: str | None) -> str:
    if column:
        value = to_text(row.get(column))
        match = next((s for s in limits.SEVERITIES if s.lower() == value.lower()), None)
        if match:
            return match
    return rule.severity


def _tactics(rule: AnalyticsRule, row: dict[str, Any], column: str | None) -> tuple[str, ...]:
    if column:
        value = row.get(column)
        items = value if isinstance(value, list) else [t.strip() for t in to_text(value).split(",")]
        known = set(sentinel_tactics())
        items = [str(t) for t in items if str(t)]
        if items and all(t in known for t in items):
            return tuple(items)
    return rule.tactics


def extract_entities(rule: AnalyticsRule, rows: list[dict[str, Any]]) -> tuple[list[Entity], list[str]]:
    mappings = rule.entity_mappings
    if not mappings:
        return [], []
    per_mapping = limits.MAX_ENTITIES_PER_ALERT // len(mappings)
    entities: list[Entity] = []
    notes: list[str] = []
    seen: set[tuple] = set()
    size = 0
    for mapping in mappings:
        required = required_identifier_sets(mapping.entity_type)
        taken = 0
        dropped = 0
        for row in rows:
            ids = {fm.identifier: to_text(row.get(fm.column_name)) for fm in mapping.field_mappings}
            ids = {k: v for k, v in ids.items() if v}
            if not ids or (required and not any(all(k in ids for k in group) for group in required)):
                continue
            entity = Entity(mapping.entity_type, ids)
            if entity.key() in seen:
                continue
            if taken >= per_mapping:
                dropped += 1
                continue
            entity_size = len(json.dumps(entity.to_dict()).encode())
            if size + entity_size > limits.MAX_ENTITIES_BYTES:
                dropped += 1
                continue
            seen.add(entity.key())
            entities.append(entity)
            size += entity_size
            taken += 1
        if dropped:
            notes.append(
                f"{dropped} {mapping.entity_type} entities dropped: at most {per_mapping} per mapping "
                f"({limits.MAX_ENTITIES_PER_ALERT} per alert divided among {len(mappings)} mappings) and 64 KB in all"
            )
    return entities, notes


def custom_details(rule: AnalyticsRule, rows: list[dict[str, Any]]) -> tuple[dict[str, list[str]], list[str]]:
    details: dict[str, list[str]] = {}
    notes: list[str] = []
    size = 0
    for key, column in rule.custom_details.items():
        values: list[str] = []
        for row in rows:
            text = to_text(row.get(column))
            if text and text not in values:
                values.append(text)
        if len(values) > limits.MAX_CUSTOM_DETAIL_VALUES:
            notes.append(
                f"custom detail {key}: {len(values)} values, only the first {limits.MAX_CUSTOM_DETAIL_VALUES} kept"
            )
            values = values[: limits.MAX_CUSTOM_DETAIL_VALUES]
        kept = []
        for v in values:
            size += len(v.encode())
            if size > limits.MAX_CUSTOM_DETAILS_BYTES:
                notes.append(f"custom detail {key}: values beyond 2 KB of custom details in all were dropped")
                break
            kept.append(v)
        details[key] = kept
    return details, notes
