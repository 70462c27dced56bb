"""Import a table schema into the project's tables folder.

Accepted input, detected from the content:
- Azure-Sentinel's KQL-validation format: `{"Name": ..., "Properties": [{"Name", "Type"}]}`;
- the output of KQL `T | getschema` (columns ColumnName, ColumnOrdinal, DataType,
  ColumnType) saved from Log Analytics or Data Explorer as JSON -- a list of
  rows, or the query API's `{"tables": [{"columns": [...], "rows": [...]}]}` --
  or as CSV. getschema output does not say which table it describes, so the
  name comes from `--name`.

The result is written in Azure-Sentinel's format, the one the catalogue loads,
to `<tables folder>/<Name>.json`; an existing file is kept unless `force`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SentinelDacError, UsageError
from .tables import Column, TableFile, TableSchema, normalise_type, parse_table_file, table_file_json

TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DOTNET_TYPES = {
    "system.string": "string",
    "system.datetime": "datetime",
    "system.int64": "long",
    "system.int32": "int",
    "system.double": "real",
    "system.single": "real",
    "system.boolean": "bool",
    "system.sbyte": "bool",  # Kusto stores bool as SByte
    "system.object": "dynamic",
    "system.guid": "guid",
    "system.timespan": "timespan",
    "system.data.sqltypes.sqldecimal": "decimal",
    "system.decimal": "decimal",
}


class TableImportError(SentinelDacError):
    """The file to import is not a table schema we can read."""


@dataclass(frozen=True)
class ImportResult:
    table: TableFile
    path: Path
    replaced_file: bool


def read_schema_file(path: Path, name: str | None = None) -> TableFile:
    """Parse `path` in any supported format; TableImportError names the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TableImportError(f"{path}: cannot read: {exc}") from None
    try:
        return _parse(text, str(path), name)
    except ValueError as exc:
        raise TableImportError(f"{path}: {exc}") from None


def _parse(text: str, source: str, name: str | None) -> TableFile:
    stripped = text.lstrip()
    if not stripped:
        raise ValueError("file is empty")
    if stripped[0] in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        if isinstance(data, dict) and any(k.lower() == "properties" for k in data):
            table = parse_table_file(text, source)
            return _renamed(table, name) if name else _checked(table)
        return _from_getschema(_getschema_rows_json(data), source, name)
    return _from_getschema(_getschema_rows_csv(text), source, name)


def _getschema_rows_json(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("tables"), list) and data["tables"]:
        table = data["tables"][0]
        cols = [c.get("name") if isinstance(c, dict) else c for c in table.get("columns", [])]
        return [dict(zip(cols, row, strict=False)) for row in table.get("rows", [])]
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    raise ValueError(
        "not a table schema: expected Azure-Sentinel's {Name, Properties} or the output of `getschema` "
        "(rows with ColumnName and ColumnType)"
    )


def _getschema_rows_csv(text: str) -> list[dict[str, Any]]:
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValueError(f"not valid CSV: {exc}") from None
    if not rows or "ColumnName" not in rows[0]:
        raise ValueError("CSV has no ColumnName column; export the result of `<Table> | getschema`")
    return rows


def _from_getschema(rows: list[dict[str, Any]], source: str, name: str | None) -> TableFile:
    if not rows:
        raise ValueError("getschema output has no rows")
    if name is None:
        raise UsageError(f"{source}: getschema output does not name its table; pass --name <Table>")
    columns: list[Column] = []
    seen: set[str] = set()
    rows = sorted(rows, key=lambda r: _ordinal(r, len(columns)))
    for i, row in enumerate(rows, start=1):
        cname = str(row.get("ColumnName") or "").strip()
        if not cname:
            raise ValueError(f"row {i} has no ColumnName")
        if cname in seen:
            raise ValueError(f"column {cname} is listed twice")
        seen.add(cname)
        columns.append(Column(cname, _row_type(row, cname)))
    return _checked(TableFile(name=name, columns=tuple(columns), source=source))


def _ordinal(row: dict[str, Any], default: int) -> int:
    try:
        return int(row.get("ColumnOrdinal", default))
    except (TypeError, ValueError):
        return default


def _row_type(row: dict[str, Any], cname: str) -> str:
    kql = str(row.get("ColumnType") or "").strip()
    if kql:
        try:
            return normalise_type(kql)
        except ValueError as exc:
            raise ValueError(f"column {cname}: {exc}") from None
    dotnet = str(row.get("DataType") or "").strip().lower()
    if dotnet in DOTNET_TYPES:
        return DOTNET_TYPES[dotnet]
    raise ValueError(f"column {cname}: no ColumnType and unknown DataType '{row.get('DataType')}'")


def _renamed(table: TableFile, name: str) -> TableFile:
    return _checked(TableFile(name=name, columns=table.columns, source=table.source))


def _checked(table: TableFile) -> TableFile:
    if table.extends:
        raise ValueError('is an extension ("Extends": true); copy it into the tables folder as it is')
    if not TABLE_NAME.match(table.name):
        raise ValueError(f"'{table.name}' is not a valid table name")
    if not table.columns:
        raise ValueError(f"table {table.name} has no columns")
    return table


def import_table(source: Path, tables_dir: Path, name: str | None = None, force: bool = False) -> ImportResult:
    """Write `source` as `<tables_dir>/<Name>.json` (atomically; never over a file unless `force`)."""
    table = read_schema_file(source, name)
    target = tables_dir / f"{table.name}.json"
    existed = target.exists()
    if existed and not force:
        raise UsageError(f"{target} already exists; pass --force to replace it")
    tables_dir.mkdir(parents=True, exist_ok=True)
    schema = TableSchema(table.name, table.columns, table.source)
    payload = json.dumps(table_file_json(schema), indent=2) + "\n"
    fd, tmp = tempfile.mkstemp(dir=tables_dir, prefix=f".{table.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return ImportResult(table=table, path=target, replaced_file=existed)
