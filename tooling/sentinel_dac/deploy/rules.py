"""Analytics rules (Scheduled and NRT) → Microsoft.SecurityInsights alertRules bodies.

One function per kind. Both start from the typed `AnalyticsRule`, so what validate checked is
what we send. Defaults the API requires but the rule YAML may omit (suppression, incident
settings, event grouping) are written out explicitly -- the values the portal itself writes --
so the body we send equals the object the service stores and a later diff sees no phantom change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..content.durations import to_iso
from ..content.model import AnalyticsRule
from .names import object_name
from .objects import ApiObject, Kind

TRIGGER_OPERATORS = {"gt": "GreaterThan", "lt": "LessThan", "eq": "Equal", "ne": "NotEqual"}
DEFAULT_SUPPRESSION = timedelta(hours=5)
DEFAULT_GROUPING: dict[str, Any] = {
    "enabled": False,
    "reopenClosedIncident": False,
    "lookbackDuration": "PT5H",
    "matchingMethod": "AllEntities",
    "groupByEntities": [],
    "groupByAlertDetails": [],
    "groupByCustomDetails": [],
}
"""What the portal writes (and the service returns) when grouping is off."""


def split_techniques(ids: tuple[str, ...] | list[str]) -> tuple[list[str], list[str]]:
    """(parent techniques, sub-techniques), each unique, in first-seen order.

    `T1552.001` contributes `T1552` to the techniques and itself to the sub-techniques:
    the service accepts only `T####` in `techniques` (research notes §8.5).
    """
    parents: dict[str, None] = {}
    subs: dict[str, None] = {}
    for tid in ids:
        parent, _, sub = tid.partition(".")
        parents.setdefault(parent, None)
        if sub:
            subs.setdefault(tid, None)
    return list(parents), list(subs)


def scheduled_rule_body(rule: AnalyticsRule, enabled: bool = True) -> dict[str, Any]:
    """The `PUT alertRules/{name}?api-version=2025-09-01` body of a Scheduled rule.

    The stable version has no `subTechniques`: a sub-technique is sent as its parent technique.
    """
    if rule.kind != "Scheduled":
        raise ValueError(f"{rule.display}: not a Scheduled rule (kind {rule.kind})")
    techniques, _subs = split_techniques(_all_techniques(rule))
    props: dict[str, Any] = {
        **_common(rule, enabled),
        "queryFrequency": to_iso(rule.query_frequency) if rule.query_frequency else None,
        "queryPeriod": to_iso(rule.query_period) if rule.query_period else None,
        "triggerOperator": TRIGGER_OPERATORS[rule.trigger_operator or "gt"],
        "triggerThreshold": rule.trigger_threshold if rule.trigger_threshold is not None else 0,
        "techniques": techniques,
    }
    return {"kind": "Scheduled", "properties": _clean(props)}


def nrt_rule_body(rule: AnalyticsRule, enabled: bool = True) -> dict[str, Any]:
    """The `PUT alertRules/{name}?api-version=2025-07-01-preview` body of an NRT rule."""
    if rule.kind != "NRT":
        raise ValueError(f"{rule.display}: not an NRT rule (kind {rule.kind})")
    techniques, subs = split_techniques(_all_techniques(rule))
    props: dict[str, Any] = {
        **_common(rule, enabled),
        "techniques": techniques,
        "subTechniques": subs,
        "sentinelEntitiesMappings": rule.raw.get("sentinelEntitiesMappings"),
    }
    return {"kind": "NRT", "properties": _clean(props)}


def rule_object(rule: AnalyticsRule, depends_on: tuple[tuple[Kind, str], ...] = ()) -> ApiObject:
    kind = Kind.SCHEDULED_RULE if rule.kind == "Scheduled" else Kind.NRT_RULE
    # a deprecated rule (its .meta.yaml says so) is deployed disabled: it stops alerting everywhere
    # while Sentinel keeps its alert history; removing it instead is the plan's choice (issue 11)
    enabled = rule.meta is None or rule.meta.deprecated is None
    make_body = scheduled_rule_body if kind is Kind.SCHEDULED_RULE else nrt_rule_body
    body = make_body(rule, enabled=enabled)
    return ApiObject(
        kind=kind,
        # Scheduled and NRT share one namespace (alertRules): derive from one tag, so changing a
        # rule's kind keeps its name and shows up as a kind change, not a delete plus a create.
        name=object_name("analytics-rule", rule.id),
        content_id=rule.id,
        source=rule.display,
        body=body,
        depends_on=depends_on,
        title=rule.name,
    )


def _all_techniques(rule: AnalyticsRule) -> list[str]:
    return [*rule.techniques, *(rule.raw.get("subTechniques") or ())]


def _common(rule: AnalyticsRule, enabled: bool) -> dict[str, Any]:
    return {
        "displayName": rule.name,
        "description": rule.description,
        "severity": rule.severity,
        "enabled": enabled,
        "query": rule.query,
        "suppressionDuration": to_iso(rule.suppression_duration or DEFAULT_SUPPRESSION),
        "suppressionEnabled": rule.suppression_enabled,
        "tactics": list(rule.tactics),
        "entityMappings": [
            {
                "entityType": m.entity_type,
                "fieldMappings": [{"identifier": f.identifier, "columnName": f.column_name} for f in m.field_mappings],
            }
            for m in rule.entity_mappings
        ],
        "customDetails": dict(rule.custom_details),
        "alertDetailsOverride": _override(rule),
        "eventGroupingSettings": {"aggregationKind": rule.aggregation},
        "incidentConfiguration": _incident(rule),
    }


def _override(rule: AnalyticsRule) -> dict[str, Any] | None:
    ado = rule.alert_details_override
    if ado is None:
        return None
    return _clean(
        {
            "alertDisplayNameFormat": ado.display_name_format,
            "alertDescriptionFormat": ado.description_format,
            "alertTacticsColumnName": ado.tactics_column,
            "alertSeverityColumnName": ado.severity_column,
            "alertDynamicProperties": [{"alertProperty": p, "value": v} for p, v in ado.dynamic_properties],
        }
    )


def _incident(rule: AnalyticsRule) -> dict[str, Any]:
    cfg = rule.incident_configuration
    if cfg is None:
        return {"createIncident": True, "groupingConfiguration": dict(DEFAULT_GROUPING)}
    g = cfg.grouping
    grouping = dict(DEFAULT_GROUPING)
    if g is not None:
        grouping = {
            "enabled": g.enabled,
            "reopenClosedIncident": g.reopen_closed_incident,
            "lookbackDuration": to_iso(g.lookback),
            "matchingMethod": g.matching_method,
            "groupByEntities": list(g.group_by_entities),
            "groupByAlertDetails": list(g.group_by_alert_details),
            "groupByCustomDetails": list(g.group_by_custom_details),
        }
    return {"createIncident": cfg.create_incident, "groupingConfiguration": grouping}


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Drop unset optional fields (None, empty collections) -- the service does not store them."""
    keep = {"groupByEntities", "groupByAlertDetails", "groupByCustomDetails", "tactics"}
    return {k: v for k, v in props.items() if v is not None and ((v != [] and v != {}) or k in keep)}
