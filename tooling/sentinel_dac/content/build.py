"""Typed objects from schema-valid documents.

Every function here assumes its document passed the matching JSON Schema, so
it only converts (durations, operator spellings) and never re-checks shape.
"""

from __future__ import annotations

from typing import Any

from .durations import parse_duration
from .model import (
    AlertDetailsOverride,
    AnalyticsRule,
    DataConnector,
    Deprecation,
    EntityMapping,
    FieldMapping,
    FunctionParam,
    GroupingConfiguration,
    HuntingQuery,
    IncidentConfiguration,
    Parser,
    RuleMeta,
)
from .yamlsrc import YamlDoc

TRIGGER_OPERATORS = {"GreaterThan": "gt", "LessThan": "lt", "Equal": "eq", "NotEqual": "ne"}


def _entity_mappings(raw: list[dict[str, Any]] | None) -> tuple[EntityMapping, ...]:
    return tuple(
        EntityMapping(
            entity_type=m["entityType"],
            field_mappings=tuple(FieldMapping(f["identifier"], f["columnName"]) for f in m["fieldMappings"]),
        )
        for m in raw or ()
    )


def _connectors(raw: list[dict[str, Any]] | None) -> tuple[DataConnector, ...]:
    return tuple(DataConnector(c.get("connectorId"), tuple(c.get("dataTypes") or ())) for c in raw or ())


def _common(doc: YamlDoc) -> dict[str, Any]:
    d = doc.data
    return dict(
        source=doc,
        id=str(d["id"]).lower(),
        name=d["name"],
        description=d["description"],
        query=d["query"],
        tactics=tuple(d.get("tactics") or ()),
        techniques=tuple(d.get("relevantTechniques") or ()),
        entity_mappings=_entity_mappings(d.get("entityMappings")),
        required_data_connectors=_connectors(d.get("requiredDataConnectors")),
        version=d.get("version"),
    )


def build_rule(doc: YamlDoc) -> AnalyticsRule:
    d = doc.data
    kind = d["kind"]
    grouping = (d.get("eventGroupingSettings") or {}).get("aggregationKind", "SingleAlert")
    op = d.get("triggerOperator")
    return AnalyticsRule(
        **_common(doc),
        kind=kind,
        severity=d["severity"],
        query_frequency=_duration(d.get("queryFrequency")),
        query_period=_duration(d.get("queryPeriod")),
        trigger_operator=TRIGGER_OPERATORS.get(op, op) if op else None,
        trigger_threshold=d.get("triggerThreshold"),
        custom_details=dict(d.get("customDetails") or {}),
        alert_details_override=_override(d.get("alertDetailsOverride")),
        aggregation=grouping,
        incident_configuration=_incident(d.get("incidentConfiguration")),
        suppression_enabled=bool(d.get("suppressionEnabled", False)),
        suppression_duration=_duration(d.get("suppressionDuration")),
    )


def build_hunting(doc: YamlDoc) -> HuntingQuery:
    return HuntingQuery(**_common(doc))


def build_parser(doc: YamlDoc) -> Parser:
    d = doc.data
    return Parser(
        source=doc,
        id=str(d["id"]).lower(),
        title=d["Function"]["Title"],
        function_name=d["FunctionName"],
        function_alias=d["FunctionAlias"],
        query=d["FunctionQuery"],
        version=d["Function"].get("Version"),
        category=d.get("Category"),
        params=tuple(
            FunctionParam(p["Name"], p["Type"], None if p.get("Default") is None else str(p["Default"]))
            for p in d.get("FunctionParams") or ()
        ),
    )


def build_meta(doc: YamlDoc) -> RuleMeta:
    d = doc.data
    dep = d.get("deprecated")
    return RuleMeta(
        source=doc,
        family=d.get("family"),
        atlas=tuple(d.get("atlas") or ()),
        prerequisites=tuple(d.get("prerequisites") or ()),
        deprecated=Deprecation(dep["date"], dep["reason"]) if dep else None,
        raw=d,
    )


def _duration(value: Any):
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError:
        return None  # the schema pattern reported it; keep the object usable


def _override(raw: dict[str, Any] | None) -> AlertDetailsOverride | None:
    if not raw:
        return None
    return AlertDetailsOverride(
        display_name_format=raw.get("alertDisplayNameFormat"),
        description_format=raw.get("alertDescriptionFormat"),
        tactics_column=raw.get("alertTacticsColumnName"),
        severity_column=raw.get("alertSeverityColumnName"),
        dynamic_properties=tuple((p["alertProperty"], p["value"]) for p in raw.get("alertDynamicProperties") or ()),
    )


def _incident(raw: dict[str, Any] | None) -> IncidentConfiguration | None:
    if not raw:
        return None
    g = raw.get("groupingConfiguration")
    grouping = None
    if g:
        grouping = GroupingConfiguration(
            enabled=g["enabled"],
            reopen_closed_incident=g["reopenClosedIncident"],
            lookback=parse_duration(g["lookbackDuration"]),
            matching_method=g["matchingMethod"],
            group_by_entities=tuple(g.get("groupByEntities") or ()),
            group_by_alert_details=tuple(g.get("groupByAlertDetails") or ()),
            group_by_custom_details=tuple(g.get("groupByCustomDetails") or ()),
        )
    return IncidentConfiguration(create_incident=raw["createIncident"], grouping=grouping)
