"""Our own content rules applied to API bodies: the limits the OpenAPI specs do not state.

The specs carry no lengths or ranges (a 300-character displayName, a queryFrequency of
20 days, 60 entity mappings all pass them), but Sentinel rejects such rules. Those limits are
already written once, as our JSON Schemas and `validate.rule_checks`; this module turns an
API body back into the content form those checks read and runs them. Nothing is re-stated here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..content.build import build_rule
from ..content.watchlists import parse_items
from ..content.yamlsrc import YamlDoc
from ..findings import Finding
from ..schemas.check import check_schema
from ..validate.rule_checks import (
    check_alert_details_override,
    check_entity_identifiers,
    check_incident_grouping,
    check_schedule,
    check_suppression,
)

SERVICE_CHECKS = (
    check_schedule,
    check_suppression,
    check_incident_grouping,
    check_entity_identifiers,
    check_alert_details_override,
)
"""Rule checks that are limits of the service. ATT&CK membership and legacy entity columns are
repository hygiene (CI rules), which the service does not enforce, so the emulator does not either."""

RULE_FIELDS = {"displayName": "name", "techniques": "relevantTechniques"}
"""API property → rule-YAML field where the names differ (all others are the same)."""
API_FIELDS = {v: k for k, v in RULE_FIELDS.items()}


def rule_problems(name: str, body: dict[str, Any]) -> list[str]:
    """Problems of an alert-rule body by our constraints, as `properties.<field>: message`."""
    data = rule_document(name, body)
    doc = _doc(data, f"alertRules/{name}")
    findings = [f for f in check_schema(doc, "analytics-rule") if f.is_error]
    if not findings:
        rule = build_rule(doc)
        findings = [f for check in SERVICE_CHECKS for f in check(rule) if f.is_error]
    return [_describe(f, data) for f in findings]


def rule_document(name: str, body: dict[str, Any]) -> dict[str, Any]:
    """The rule-YAML form of an alertRules body (the inverse of `deploy.rules`)."""
    props = {k: v for k, v in (body.get("properties") or {}).items() if v is not None}
    kind = body.get("kind")
    data: dict[str, Any] = {"id": name, "kind": kind, "requiredDataConnectors": []}
    for key, value in props.items():
        if key in ("enabled", "lastModifiedUtc"):
            continue
        if (
            kind == "NRT"
            and key in ("suppressionEnabled", "suppressionDuration")
            and not props.get("suppressionEnabled")
        ):
            continue  # the NRT API requires them; they mean nothing while suppression is off
        if key == "subTechniques" and not value:
            continue
        data[RULE_FIELDS.get(key, key)] = value
    return data


def saved_search_problems(name: str, body: dict[str, Any]) -> list[str]:
    """A saved search with a function alias is a parser: the alias must be a valid KQL name."""
    props = {k[:1].lower() + k[1:]: v for k, v in (body.get("properties") or {}).items()}
    alias = props.get("functionAlias")
    if not alias:
        return []
    data = {
        "id": "00000000-0000-0000-0000-000000000000",
        "Function": {"Title": props.get("displayName") or alias, "Version": "1.0.0"},
        "FunctionName": alias,
        "FunctionAlias": alias,
        "FunctionQuery": props.get("query") or "",
    }
    findings = [f for f in check_schema(_doc(data, f"savedSearches/{name}"), "parser") if f.is_error]
    return [
        f"properties.{'functionAlias' if f.field in ('FunctionName', 'FunctionAlias') else f.field}: {f.message}"
        for f in findings
    ]


def watchlist_problems(alias: str, body: dict[str, Any]) -> list[str]:
    props = body.get("properties") or {}
    data = {
        "watchlistAlias": alias,
        "displayName": props.get("displayName", ""),
        "description": props.get("description", ""),
        "provider": props.get("provider", ""),
        "itemsSearchKey": props.get("itemsSearchKey", ""),
        "source": props.get("source") or "upload.csv",
    }
    if props.get("source") and not str(props["source"]).lower().endswith(".csv"):
        data["source"] = "upload.csv"  # any file name is fine for the API; only ours must be .csv
    problems = [
        f"properties.{f.field or ''}: {f.message}" for f in check_schema(_doc(data, alias), "watchlist") if f.is_error
    ]
    raw = props.get("rawContent")
    if isinstance(raw, str) and props.get("itemsSearchKey"):
        lines = raw.split("\n")[int(props.get("numberOfLinesToSkip") or 0) :]
        columns, _rows, findings = parse_items("\n".join(lines), "rawContent", props["itemsSearchKey"])
        problems += [f"properties.rawContent: line {f.line}: {f.message}" for f in findings if f.is_error]
        if columns and props["itemsSearchKey"] not in columns:
            problems.append(
                f"properties.itemsSearchKey: '{props['itemsSearchKey']}' is not a column of rawContent "
                f"(columns: {', '.join(columns)})"
            )
    return problems


def _doc(data: dict[str, Any], display: str) -> YamlDoc:
    return YamlDoc(path=Path(display), display=display, text="", data=data, nodes={})


def _describe(f: Finding, data: dict[str, Any]) -> str:
    field = f.field or ""
    head, _, rest = field.partition(".")
    api = API_FIELDS.get(head, head)
    where = "name" if head == "id" else f"properties.{api}{'.' + rest if rest else ''}"
    return f"{where}: {f.message} [{f.code}]"
