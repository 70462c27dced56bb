"""Query results as plain Python values, the same whichever engine produced them.

Values: str, int, float, bool, aware UTC datetime, timedelta, None, and for
`dynamic` the parsed JSON (dict, list, scalars). Both engines convert into
this shape, so the simulator and the expectations never see engine types.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]  # KQL type names
    rows: list[tuple[Any, ...]]
    notes: list[str] = field(default_factory=list)
    """What the reader should know about how the answer was computed (e.g. approximations)."""

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


def duckdb_value(value: Any, duck_type: str) -> Any:
    """A value fetched from DuckDB, in the common shape."""
    if value is None:
        return None
    t = duck_type.upper()
    if t == "JSON":
        return json.loads(value) if isinstance(value, str) else value
    if t.endswith("[]") or t.startswith(("STRUCT", "MAP", "LIST")):
        inner = t[:-2] if t.endswith("[]") else ""
        return _nested(value, inner)
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _nested(value: Any, inner: str) -> Any:
    if isinstance(value, list):
        return [duckdb_value(v, inner) if inner else _nested(v, "") for v in value]
    if isinstance(value, dict):
        return {k: _nested(v, "") for k, v in value.items()}
    if isinstance(value, datetime):
        return duckdb_value(value, "TIMESTAMP")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def kql_type_of(duck_type: str) -> str:
    from duckdb_kql.types import kusto_type

    if duck_type.upper() == '"NULL"' or duck_type.upper() == "NULL":
        return "dynamic"
    return kusto_type(duck_type)
