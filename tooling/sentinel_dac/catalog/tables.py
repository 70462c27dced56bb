"""The table catalogue: one source of truth for "which columns exist, with which type".

Tables are JSON files in Azure-Sentinel's KQL-validation format
(`{"Name": ..., "Properties": [{"Name": ..., "Type": ...}]}`), so files from
that repository drop in unchanged. Built-in schemas ship in
`data/tables/` (see its SOURCES.md and LICENSE-NOTICES.md); a project adds
its own (custom `_CL` tables, extra columns) in the folder named by
`paths.tables` in sentinel-dac.yaml.

The source files disagree on key and type case (`Name`/`name`,
`string`/`String`/`Object`...): everything is normalised here, once.

A file may also *extend* a table instead of defining it, by adding
`"Extends": true` and a `"Source"` citing where the columns are documented.
That is how shared tables such as AzureDiagnostics, whose columns depend on
the resources sending to them, grow the columns our content needs. With
`"Overrides": true` as well, the extension may also correct the type of a
column the base schema already has (Azure-Sentinel's AzureActivity subset
types the documented dynamic `Properties_d` as string); without it, existing
columns are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..findings import Finding

TYPE_ALIASES = {
    "string": "string",
    "int": "int",
    "int32": "int",
    "long": "long",
    "int64": "long",
    "bigint": "long",
    "real": "real",
    "double": "real",
    "float": "real",
    "bool": "bool",
    "boolean": "bool",
    "datetime": "datetime",
    "date": "datetime",
    "dynamic": "dynamic",
    "object": "dynamic",
    "timespan": "timespan",
    "time": "timespan",
    "guid": "guid",
    "uniqueid": "guid",
    "decimal": "decimal",
}
KQL_TYPES = frozenset(TYPE_ALIASES.values())

STANDARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("TenantId", "string"),
    ("TimeGenerated", "datetime"),
    ("Type", "string"),
    ("_ResourceId", "string"),
    ("_SubscriptionId", "string"),
    ("_ItemId", "string"),
    ("_IsBillable", "string"),
    ("_BilledSize", "real"),
)
"""Columns every Log Analytics table has, whether or not a schema file lists them
("Standard columns in Azure Monitor Logs", learn.microsoft.com/azure/azure-monitor/logs/log-standard-columns).
`ingestion_time()` is a function, not a column."""


def normalise_type(raw: str) -> str:
    t = TYPE_ALIASES.get(str(raw).strip().lower())
    if t is None:
        raise ValueError(f"unknown column type '{raw}' (KQL types: {', '.join(sorted(KQL_TYPES))})")
    return t


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    origin: str = "schema"  # schema | standard | extension


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    source: str

    def column_types(self) -> dict[str, str]:
        return {c.name: c.type for c in self.columns}

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class TableFile:
    """One parsed schema file: a table definition or an extension of one."""

    name: str
    columns: tuple[Column, ...]
    source: str
    extends: bool = False
    cites: str | None = None
    overrides: bool = False


def parse_table_file(text: str, source: str, file_stem: str | None = None) -> TableFile:
    """Parse one schema file; ValueError with a clear message when malformed."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with Name and Properties")
    keys = {k.lower(): k for k in data}
    name = data.get(keys.get("name", ""), None)
    props = data.get(keys.get("properties", ""), None)
    if not isinstance(name, str) or not name:
        raise ValueError("missing table Name")
    if not isinstance(props, list):
        raise ValueError("missing Properties list of columns")
    if file_stem and file_stem != name and not data.get("Extends"):
        # Azure-Sentinel's ThreatIntelligenceIndicator.json declares "Malware_data_CL";
        # the file name is what the validation there looks the table up by.
        name = file_stem
    columns: dict[str, Column] = {}
    origin = "extension" if data.get("Extends") else "schema"
    for i, prop in enumerate(props):
        if not isinstance(prop, dict):
            raise ValueError(f"column {i + 1} is not an object")
        pkeys = {k.lower(): k for k in prop}
        cname, ctype = prop.get(pkeys.get("name", "")), prop.get(pkeys.get("type", ""))
        if not isinstance(cname, str) or not cname:
            raise ValueError(f"column {i + 1} has no Name")
        try:
            norm = normalise_type(ctype)
        except ValueError as exc:
            raise ValueError(f"column {cname}: {exc}") from None
        columns.setdefault(cname, Column(cname, norm, origin))  # some upstream files list a column twice
    return TableFile(
        name=name,
        columns=tuple(columns.values()),
        source=source,
        extends=bool(data.get("Extends")),
        overrides=bool(data.get("Extends")) and bool(data.get("Overrides")),
        cites=data.get("Source"),
    )


@dataclass
class TableCatalog:
    tables: dict[str, TableSchema] = field(default_factory=dict)

    def get(self, name: str) -> TableSchema | None:
        return self.tables.get(name)

    def names(self) -> list[str]:
        return sorted(self.tables)

    def schema_dict(self) -> dict[str, dict[str, str]]:
        """`{table: {column: type}}`, the shape KQL tools take."""
        return {t.name: t.column_types() for t in self.tables.values()}

    def merged(self, files: Iterable[TableFile]) -> TableCatalog:
        """A new catalogue with `files` applied: definitions replace, extensions add columns."""
        tables = dict(self.tables)
        pending_ext: list[TableFile] = []
        for tf in files:
            if tf.extends:
                pending_ext.append(tf)
            else:
                tables[tf.name] = _with_standard(TableSchema(tf.name, tf.columns, tf.source))
        for ext in pending_ext:
            base = tables.get(ext.name)
            if base is None:
                raise ValueError(f"{ext.source}: extends table {ext.name}, which no schema defines")
            corrected = {c.name: c for c in ext.columns} if ext.overrides else {}
            kept = tuple(corrected.get(c.name, c) for c in base.columns)
            existing = {c.name for c in base.columns}
            added = tuple(c for c in ext.columns if c.name not in existing)
            tables[ext.name] = TableSchema(base.name, kept + added, f"{base.source} + {ext.source}")
        return TableCatalog(tables)


def _with_standard(table: TableSchema) -> TableSchema:
    have = {c.name for c in table.columns}
    extra = tuple(Column(n, t, "standard") for n, t in STANDARD_COLUMNS if n not in have)
    return TableSchema(table.name, table.columns + extra, table.source)


def _builtin_files() -> list[TableFile]:
    base = resources.files(__package__).joinpath("data/tables")
    files: list[TableFile] = []
    # docs-derived lists are fuller than Azure-Sentinel's subsets (e.g. ApiManagementGatewayLogs): load them last
    for folder in (base, base.joinpath("docs-derived"), base.joinpath("extensions")):
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".json"):
                rel = f"builtin:{folder.name}/{entry.name}" if folder != base else f"builtin:{entry.name}"
                files.append(parse_table_file(entry.read_text(encoding="utf-8-sig"), rel, entry.name[:-5]))
    return files


@cache
def builtin_catalog() -> TableCatalog:
    """Tables shipped in the package (parsed once per process)."""
    return TableCatalog().merged(_builtin_files())


def load_catalog(tables_dir: Path | None, display=str) -> tuple[TableCatalog, list[Finding]]:
    """Built-in tables plus the project's own folder; problems become findings."""
    catalog = builtin_catalog()
    if tables_dir is None or not tables_dir.is_dir():
        return catalog, []
    files: list[TableFile] = []
    findings: list[Finding] = []
    for path in sorted(tables_dir.rglob("*.json")):
        shown = display(path)
        try:
            files.append(parse_table_file(path.read_text(encoding="utf-8-sig"), shown, path.stem))
        except (OSError, UnicodeDecodeError) as exc:
            findings.append(Finding(shown, 0, 0, "DAC100", f"cannot read table schema: {exc}"))
        except ValueError as exc:
            findings.append(Finding(shown, 1, 1, "DAC254", f"invalid table schema: {exc}"))
    try:
        return catalog.merged(files), findings
    except ValueError as exc:
        return catalog, [*findings, Finding(str(tables_dir), 0, 0, "DAC254", str(exc))]


def table_file_json(table: TableSchema) -> dict[str, Any]:
    """A table in Azure-Sentinel's format (what `tables show`/`import` write)."""
    return {
        "Name": table.name,
        "Properties": [{"Name": c.name, "Type": c.type} for c in table.columns if c.origin != "standard"],
    }
