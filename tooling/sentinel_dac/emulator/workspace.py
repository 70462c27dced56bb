"""The workspaces the emulator serves, described by a small YAML fixture file.

A fixture names each workspace's place in ARM (subscription, resource group, name), its
tables with their columns and plan, and optional sample rows (JSONL) for the query endpoint.
Columns default to the table catalogue (`catalog.tables`), so a fixture usually only lists
table names; `catalogTables: all` makes every catalogued table exist. Errors in the fixture are
reported like content errors: file, line, field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog.tables import TableCatalog, builtin_catalog, normalise_type
from ..content.yamlsrc import YamlLoadError, load_yaml
from ..deploy.objects import WorkspaceRef
from ..errors import ConfigError
from ..findings import Finding
from ..schemas.check import check_schema

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT = "00000000-0000-0000-0000-0000000000aa"
ANALYTICS = "Analytics"


@dataclass
class TableInfo:
    name: str
    columns: dict[str, str]
    plan: str = ANALYTICS
    retention_in_days: int = 90


@dataclass
class EmulatedWorkspace:
    ref: WorkspaceRef
    customer_id: str
    tenant_id: str = DEFAULT_TENANT
    pricing_tier: str = "PerGB2018"
    tables: dict[str, TableInfo] = field(default_factory=dict)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def table(self, name: str) -> TableInfo | None:
        """Table names are case-sensitive in KQL but unique ignoring case in a workspace."""
        return self.tables.get(name) or next((t for t in self.tables.values() if t.name.lower() == name.lower()), None)

    def schema(self, plans: tuple[str, ...] = (ANALYTICS,)) -> dict[str, dict[str, str]]:
        """{table: {column: type}} of the tables on the given plans (what alert rules may query)."""
        return {t.name: dict(t.columns) for t in self.tables.values() if t.plan in plans}


def default_workspace(catalog: TableCatalog | None = None) -> EmulatedWorkspace:
    """One workspace holding every catalogued table, when no fixture is given."""
    catalog = catalog or builtin_catalog()
    ws = EmulatedWorkspace(
        ref=WorkspaceRef(DEFAULT_SUBSCRIPTION, "rg-sentinel-dac", "law-sentinel-dac"),
        customer_id="00000000-0000-0000-0000-00000000c0de",
    )
    for name in catalog.names():
        ws.tables[name] = TableInfo(name, catalog.get(name).column_types())
    return ws


def load_workspaces(path: Path, catalog: TableCatalog | None = None) -> list[EmulatedWorkspace]:
    """Read a fixture file; raise ConfigError naming file, line and field on any problem."""
    catalog = catalog or builtin_catalog()
    try:
        doc = load_yaml(Path(path), str(path))
    except YamlLoadError as exc:
        raise ConfigError(_describe(exc.findings)) from None
    problems = [f for f in doc.findings + check_schema(doc, "emulator-workspaces") if f.is_error]
    if problems:
        raise ConfigError(_describe(problems))
    out = []
    for i, raw in enumerate(doc.data["workspaces"]):
        ws, findings = _workspace(raw, catalog, Path(path).parent, doc, i)
        if findings:
            raise ConfigError(_describe(findings))
        out.append(ws)
    return out


def _workspace(raw: dict, catalog: TableCatalog, base: Path, doc, i: int) -> tuple[EmulatedWorkspace, list[Finding]]:
    findings: list[Finding] = []
    ws = EmulatedWorkspace(
        ref=WorkspaceRef(raw["subscription"], raw["resourceGroup"], raw["name"], raw.get("location", "westeurope")),
        customer_id=raw.get("customerId") or _derived_customer_id(raw),
        tenant_id=raw.get("tenant", DEFAULT_TENANT),
        pricing_tier=raw.get("pricingTier", "PerGB2018"),
    )
    if raw.get("catalogTables") == "all":
        for name in catalog.names():
            ws.tables[name] = TableInfo(name, catalog.get(name).column_types())
    for name, spec in (raw.get("tables") or {}).items():
        spec = spec or {}
        where = ("workspaces", i, "tables", name)
        columns = {c: normalise_type(t) for c, t in (spec.get("columns") or {}).items()}
        if not columns:
            known = catalog.get(name)
            if known is None:
                pos = doc.key_pos(where)
                findings.append(
                    Finding(
                        doc.display,
                        pos.line,
                        pos.column,
                        "DAC600",
                        f"table '{name}' is not in the table catalogue; give its columns",
                        field=".".join(map(str, where)),
                    )
                )
                continue
            columns = known.column_types()
        ws.tables[name] = TableInfo(name, columns, spec.get("plan", ANALYTICS), spec.get("retentionInDays", 90))
    for table, rel in (raw.get("samples") or {}).items():
        where = ("workspaces", i, "samples", table)
        pos = doc.pos(where)
        if ws.table(table) is None:
            findings.append(
                Finding(
                    doc.display,
                    pos.line,
                    pos.column,
                    "DAC600",
                    f"samples for '{table}', which is not a table of this workspace",
                )
            )
            continue
        try:
            ws.samples[ws.table(table).name] = read_jsonl(base / rel)
        except (OSError, ValueError) as exc:
            findings.append(
                Finding(doc.display, pos.line, pos.column, "DAC600", f"cannot read sample file '{rel}': {exc}")
            )
    return ws, findings


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {n}: a row must be a JSON object")
        rows.append(row)
    return rows


def _derived_customer_id(raw: dict) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{raw['subscription']}/{raw['resourceGroup']}/{raw['name']}".lower()))


def _describe(findings: list[Finding]) -> str:
    return "invalid emulator workspace file:\n" + "\n".join(
        f"  {f.file}:{f.line}: {f.code} {f.message}" for f in findings
    )
