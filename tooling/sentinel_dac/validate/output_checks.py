"""Output-schema checks: every column a rule hands to Sentinel must be one the query outputs.

Sentinel reads entity identifiers, custom details and alert-detail overrides
from the columns of the query's result. A missing column is not an error
Sentinel reports when the rule is saved: the entity, detail or placeholder is
silently empty on every alert. The result schema comes from Kusto.Language
(`Analysis.output`); when it cannot be known (an unknown table or watchlist,
`bag_unpack`...) the checks stay silent rather than guess.

Incident grouping by custom details (`groupByCustomDetails`) names customDetails
keys (checked in rule_checks), whose columns are checked here, so grouping is
covered transitively.

The reverse direction has one check: a legacy `*CustomEntity` column the query
outputs (Sentinel stopped reading them when entity mapping replaced them) is an
entity lost only when no entity mapping of its type exists, so DAC241 asks for
both, on the result schema rather than the query text (a column made and then
projected away, or copied from a column that is mapped, is no loss).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..content.model import AnalyticsRule, ContentItem
from ..findings import Finding, Level
from ..kql import Analysis, DiagnosticKind
from .rule_checks import PLACEHOLDER

MAX_LISTED = 25


def check_output(item: ContentItem, analysis: Analysis) -> list[Finding]:
    if analysis.output is None or any(d.kind is DiagnosticKind.SYNTAX for d in analysis.diagnostics):
        return []
    found = list(_entities(item, analysis))
    if isinstance(item, AnalyticsRule):
        found += _custom_details(item, analysis)
        found += _alert_details(item, analysis)
        found += _legacy_entity_columns(item, analysis)
    return found


LEGACY_ENTITY_COLUMNS = {
    "AccountCustomEntity": "Account",
    "HostCustomEntity": "Host",
    "IPCustomEntity": "IP",
    "URLCustomEntity": "URL",
    "ProcessCustomEntity": "Process",
    "FileHashCustomEntity": "FileHash",
}
"""Pre-entity-mapping columns Sentinel once read as entities, and the entity type each stood for."""


def available(analysis: Analysis, missing: str) -> str:
    """`; did you mean 'X'. The query outputs: a, b, c` (shortened when long)."""
    cols = list(analysis.output or {})
    close = difflib.get_close_matches(missing, cols, n=1, cutoff=0.7)
    folded = [c for c in cols if c.casefold() == missing.casefold()]
    hint = f"; did you mean '{(folded or close)[0]}'?" if folded or close else "."
    shown = ", ".join(cols[:MAX_LISTED]) + (f", ... ({len(cols) - MAX_LISTED} more)" if len(cols) > MAX_LISTED else "")
    return f"{hint} The query outputs: {shown or 'no columns'}"


def _finding(item: ContentItem, path: tuple, code: str, message: str, level: Level = Level.ERROR) -> Finding:
    pos = item.source.pos(path)
    return Finding(item.display, pos.line, pos.column, code, message, level=level, field=".".join(map(str, path)))


def _level(analysis: Analysis, column: str) -> Level:
    """A column that exists in another case is a warning: KQL names are case-sensitive, but
    whether Sentinel matches mapped columns case-insensitively is not documented."""
    folded = column.casefold()
    return Level.WARNING if any(c.casefold() == folded for c in analysis.output or {}) else Level.ERROR


def _entities(item: ContentItem, analysis: Analysis) -> Iterable[Finding]:
    for i, mapping in enumerate(item.entity_mappings):
        for j, fm in enumerate(mapping.field_mappings):
            if analysis.outputs(fm.column_name) is False:
                yield _finding(
                    item,
                    ("entityMappings", i, "fieldMappings", j, "columnName"),
                    "DAC410",
                    f"{mapping.entity_type} entity maps {fm.identifier} to column '{fm.column_name}', "
                    f"which the query does not output, so the entity would never be extracted"
                    f"{available(analysis, fm.column_name)}",
                    _level(analysis, fm.column_name),
                )


def _custom_details(rule: AnalyticsRule, analysis: Analysis) -> Iterable[Finding]:
    for key, column in rule.custom_details.items():
        if analysis.outputs(column) is False:
            yield _finding(
                rule,
                ("customDetails", key),
                "DAC411",
                f"custom detail '{key}' reads column '{column}', which the query does not output"
                f"{available(analysis, column)}",
                _level(analysis, column),
            )


def _alert_details(rule: AnalyticsRule, analysis: Analysis) -> Iterable[Finding]:
    ado = rule.alert_details_override
    if ado is None:
        return
    base = "alertDetailsOverride"
    for key, text in (
        ("alertDisplayNameFormat", ado.display_name_format),
        ("alertDescriptionFormat", ado.description_format),
    ):
        for match in PLACEHOLDER.finditer(text or ""):
            column = match.group(1).strip()
            if analysis.outputs(column) is False:
                pos = rule.source.scalar_offset_pos((base, key), match.start())
                yield Finding(
                    rule.display,
                    pos.line,
                    pos.column,
                    "DAC412",
                    f"{key} placeholder {{{{{column}}}}} names a column the query does not output, "
                    f"so Sentinel would fall back to the default text{available(analysis, column)}",
                    level=_level(analysis, column),
                    field=f"{base}.{key}",
                )
    for key, column, wanted in (
        ("alertTacticsColumnName", ado.tactics_column, ("string", "dynamic")),
        ("alertSeverityColumnName", ado.severity_column, ("string",)),
    ):
        if not column:
            continue
        if analysis.outputs(column) is False:
            yield _finding(
                rule,
                (base, key),
                "DAC412",
                f"{key} '{column}' is not a column the query outputs{available(analysis, column)}",
                _level(analysis, column),
            )
        elif analysis.output and analysis.output.get(column) not in (*wanted, "unknown", None):
            yield _finding(
                rule,
                (base, key),
                "DAC413",
                f"{key} '{column}' is of type {analysis.output[column]}; Sentinel expects {' or '.join(wanted)} "
                "and falls back to the rule's own value when the type does not match",
                Level.WARNING,
            )
    for i, (prop, column) in enumerate(ado.dynamic_properties):
        if analysis.outputs(column) is False:
            yield _finding(
                rule,
                (base, "alertDynamicProperties", i, "value"),
                "DAC412",
                f"alertDynamicProperties {prop} reads column '{column}', which the query does not output"
                f"{available(analysis, column)}",
                _level(analysis, column),
            )


def _legacy_entity_columns(rule: AnalyticsRule, analysis: Analysis) -> Iterable[Finding]:
    if rule.kind != "Scheduled":
        return
    mapped_columns = {fm.column_name for m in rule.entity_mappings for fm in m.field_mappings}
    mapped_types = {m.entity_type for m in rule.entity_mappings}
    for column, entity_type in LEGACY_ENTITY_COLUMNS.items():
        if analysis.outputs(column) and column not in mapped_columns and entity_type not in mapped_types:
            yield _finding(
                rule,
                ("query",),
                "DAC241",
                f"the query outputs legacy column {column} but no entityMappings entry maps an {entity_type} "
                f"entity; Sentinel ignores legacy columns, so the entity would be lost (map {column} as "
                f"entityType {entity_type})",
            )
