"""Pre-deploy workspace check: will each rule run in *this* workspace?

Reads the workspace's tables, columns and plans (Log Analytics tables API) and binds every
rule's rendered query against them with Microsoft's parser (`kql.analyze`, the same analysis
`validate` uses against the catalogue). Reported per rule, at its file and line:

* DAC610 a table the workspace does not have (Sentinel refuses to save the rule: "One of the
  tables does not exist", docs/sentinel-semantics.md §7.6);
* DAC611 a column the workspace's table lacks. `AzureDiagnostics` gains a column only once some
  resource has sent it, so a rule written against another workspace fails here: the message
  suggests `column_ifexists('Name', '')` when the column is read from AzureDiagnostics;
* DAC612 a table on the Basic or Auxiliary plan: analytics rules cannot query those
  (learn.microsoft.com/azure/azure-monitor/logs/data-platform-logs#table-plans);
* DAC613 (warning) a table with no rows in the last day: the rule would run but see nothing.

A rule's documented prerequisites (`prerequisites:` in its .meta.yaml) are free text: a
prerequisite naming a workspace table has that table's freshness checked, every other one is
listed as a note to check by hand. `plan` and `apply` run the doctor first; apply writes
nothing while it reports errors.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ..catalog.tables import Column, TableCatalog, TableSchema
from ..content.load import Project
from ..findings import Finding, Level
from ..targets import Target
from .clients import Clients, as_dict
from .render import render_for_target

QUERYABLE_PLANS = ("Analytics",)
STALE_AFTER = timedelta(days=1)
DYNAMIC_COLUMN_TABLES = ("AzureDiagnostics",)
"""Tables whose columns appear as resources send them (AzureDiagnostics' "dynamic schema")."""


@dataclass
class WorkspaceTable:
    name: str
    plan: str
    columns: dict[str, str]


@dataclass
class DoctorReport:
    target: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rules_checked: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "rules_checked": self.rules_checked,
            "findings": [f.to_dict() for f in self.findings],
            "notes": self.notes,
        }


def read_tables(clients: Clients, target: Target) -> dict[str, WorkspaceTable]:
    ws = target.workspace
    out = {}
    for t in clients.log_analytics.tables.list_by_workspace(ws.resource_group, ws.workspace_name):
        d = as_dict(t)
        props = d.get("properties") or {}
        schema = props.get("schema") or {}
        cols = [*(schema.get("standardColumns") or []), *(schema.get("columns") or [])]
        name = str(d.get("name") or schema.get("name"))
        out[name] = WorkspaceTable(name, str(props.get("plan") or "Analytics"), {c["name"]: c["type"] for c in cols})
    return out


def doctor(project: Project, target: Target, clients: Clients, logs: Any = None) -> DoctorReport:
    """Check every rule the target gets against its workspace; `logs` (a LogsQueryClient) adds freshness."""
    from ..kql import DiagnosticKind, project_functions

    rendered, _ = render_for_target(project, target)
    tables = read_tables(clients, target)
    catalog = _catalog(tables)
    lower = {name.lower(): t for name, t in tables.items()}
    functions = project_functions(rendered.watchlists, rendered.parsers)
    report = DoctorReport(target.name)
    used: dict[str, list[Any]] = {}
    for rule in rendered.rules:
        report.rules_checked += 1
        analysis = _analyze(rule.query, catalog, functions)
        for d in analysis.errors:
            name = rule.query[d.start : d.end]
            pos = rule.query_pos(d.start)
            if d.kind is DiagnosticKind.UNKNOWN_TABLE:
                table = lower.get(name.lower())
                if table is not None and table.plan not in QUERYABLE_PLANS:
                    code, msg = (
                        "DAC612",
                        f"table '{table.name}' is on the {table.plan} plan in workspace "
                        f"'{target.workspace_name}'; analytics rules cannot query Basic or Auxiliary tables",
                    )
                else:
                    code, msg = (
                        "DAC610",
                        f"table '{name}' does not exist in workspace '{target.workspace_name}' "
                        '(Sentinel refuses the rule: "One of the tables does not exist")',
                    )
                report.findings.append(
                    Finding(rule.display, pos.line, pos.column, code, f"target '{target.name}': {msg}")
                )
            elif d.kind is DiagnosticKind.UNKNOWN_NAME:
                dynamic = [t for t in analysis.tables if t in DYNAMIC_COLUMN_TABLES]
                hint = (
                    f"; {dynamic[0]} gets a column only after some resource has sent it: "
                    f"use column_ifexists('{name}', '') if the rule must run before"
                    if dynamic
                    else ""
                )
                report.findings.append(
                    Finding(
                        rule.display,
                        pos.line,
                        pos.column,
                        "DAC611",
                        f"target '{target.name}': column '{name}' does not exist in workspace "
                        f"'{target.workspace_name}'{hint}",
                    )
                )
        for table in analysis.tables:
            if table in catalog.tables:
                used.setdefault(table, []).append(rule)
        for text in rule.meta.prerequisites if rule.meta is not None else ():
            named = [t for t in catalog.tables if re.search(rf"\b{re.escape(t)}\b", text)]
            for t in named:
                used.setdefault(t, []).append(rule)
            if not named:
                report.notes.append(f"{rule.display}: prerequisite to check by hand: {text}")
    if logs is not None and used:
        _freshness(report, logs, target, used)
    return report


_CATALOGS: dict[tuple, TableCatalog] = {}
_LOCK = threading.Lock()


def _catalog(tables: dict[str, WorkspaceTable]) -> TableCatalog:
    """One catalogue object per distinct set of queryable tables: workspaces with the same schema
    (prod and its staging copy, one tenant's many workspaces) share it, and with it the bound
    symbols kql.analyze caches per catalogue and the analyses below."""
    queryable = sorted((t.name, tuple(t.columns.items())) for t in tables.values() if t.plan in QUERYABLE_PLANS)
    key = tuple(queryable)
    with _LOCK:
        if key not in _CATALOGS:
            if len(_CATALOGS) >= 16:
                _CATALOGS.clear()
            _CATALOGS[key] = TableCatalog(
                {n: TableSchema(n, tuple(Column(c, typ) for c, typ in cols), "workspace") for n, cols in queryable}
            )
        return _CATALOGS[key]


_ANALYSES: dict[tuple, tuple[TableCatalog, Any]] = {}


def _analyze(query: str, catalog: TableCatalog, functions: Any):
    """kql.analyze, remembered per (query, catalogue, declarations): targets sharing a schema bind once."""
    from ..kql import analyze

    key = (query, id(catalog), functions)
    hit = _ANALYSES.get(key)
    if hit is not None and hit[0] is catalog:
        return hit[1]
    analysis = analyze(query, catalog, functions)
    with _LOCK:
        if len(_ANALYSES) >= 20000:
            _ANALYSES.clear()
        _ANALYSES[key] = (catalog, analysis)
    return analysis


def _freshness(report: DoctorReport, logs: Any, target: Target, used: dict[str, list[Any]]) -> None:
    from azure.monitor.query import LogsQueryStatus

    for table, rules in sorted(used.items()):
        try:
            result = logs.query_workspace(
                target.workspace_id, f"{table} | summarize Rows = count()", timespan=STALE_AFTER
            )
        except Exception as exc:  # freshness is advice: a failed read is a note, not a verdict
            report.notes.append(f"freshness of {table} not read: {str(exc).splitlines()[0]}")
            continue
        if result.status != LogsQueryStatus.SUCCESS or not result.tables:
            continue
        rows = result.tables[0].rows
        count = rows[0][0] if rows else 0
        if count:
            continue
        for rule in {r.id: r for r in rules}.values():
            pos = rule.pos("query")
            report.findings.append(
                Finding(
                    rule.display,
                    pos.line,
                    pos.column,
                    "DAC613",
                    f"target '{target.name}': table '{table}' received no data in the last day in workspace "
                    f"'{target.workspace_name}'; the rule would run on nothing",
                    level=Level.WARNING,
                )
            )
