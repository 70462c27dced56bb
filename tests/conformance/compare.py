"""Run one conformance entry on the embedded engine and compare with Microsoft's documented output."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.engine import DataSet, UnsupportedKql
from sentinel_dac.engine.embedded import EmbeddedEngine
from sentinel_dac.engine.kqltypes import ValueTypeError, format_timespan, parse_datetime

HERE = Path(__file__).parent
NOW = datetime(2024, 1, 1, tzinfo=UTC)

SET_VALUED = {
    "make-set-array-column",
    "summarize-empty-input-make-set-list",
    "bag-keys",
    "summarize-make-set-duplicate-names",
}
"""Entries whose array results are sets (docs: "The array's sort order is undefined")."""


def entries() -> list[dict[str, Any]]:
    main = yaml.safe_load((HERE / "kql_conformance.yaml").read_text())
    inline = yaml.safe_load((HERE / "kql_conformance_inline.yaml").read_text())
    return main + inline


def run(entry: dict[str, Any], engine: EmbeddedEngine | None = None):
    """(columns, rows) from the embedded engine; UnsupportedKql propagates."""
    engine = engine or EmbeddedEngine()
    engine.load(DataSet(builtin_catalog()))
    result = engine.run(entry["kql"], NOW)
    return result.columns, [list(r) for r in result.rows], result.types


def _close(a: float, b: float, tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def same(expected: Any, actual: Any, kql_type: str, as_set: bool, tol: float) -> bool:
    if expected is None:
        return actual is None or (kql_type == "string" and actual == "")
    if isinstance(actual, datetime):
        try:
            return parse_datetime(expected) == actual
        except (ValueTypeError, TypeError):
            return False
    if hasattr(actual, "total_seconds"):
        return expected == format_timespan(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return _close(float(expected), float(actual), tol)
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return False
        if as_set:
            remaining = list(actual)
            for e in expected:
                hit = next((i for i, a in enumerate(remaining) if same(e, a, "dynamic", True, tol)), None)
                if hit is None:
                    return False
                remaining.pop(hit)
            return True
        return all(same(e, a, "dynamic", False, tol) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            same(v, actual[k], "dynamic", as_set, tol) for k, v in expected.items()
        )
    if isinstance(expected, str) and isinstance(actual, str):
        return expected == actual or _same_instant(expected, actual)
    return False


def _same_instant(a: str, b: str) -> bool:
    """Datetimes inside dynamic values are strings; Kusto prints 7 fractional digits, the docs often none."""
    try:
        return parse_datetime(a) == parse_datetime(b)
    except ValueTypeError:
        return False


def matches(entry: dict[str, Any], columns, rows, types) -> tuple[bool, str]:
    expected = entry["expected"]
    if columns != expected["columns"]:
        return False, f"columns {columns} != {expected['columns']}"
    tol = 1e-12 if entry["id"] == "series-stats" else 1e-9
    as_set = entry["id"] in SET_VALUED

    def row_ok(e, a):
        return len(e) == len(a) and all(same(x, y, t, as_set, tol) for x, y, t in zip(e, a, types, strict=True))

    want = expected["rows"]
    if len(want) != len(rows):
        return False, f"{len(rows)} rows != {len(want)}: {rows!r}"
    if entry.get("ordered"):
        bad = [i for i, (e, a) in enumerate(zip(want, rows, strict=True)) if not row_ok(e, a)]
        return (not bad), (f"row {bad[0]}: {rows[bad[0]]!r} != {want[bad[0]]!r}" if bad else "")
    remaining = list(rows)
    for e in want:
        hit = next((i for i, a in enumerate(remaining) if row_ok(e, a)), None)
        if hit is None:
            return False, f"expected row {e!r} not in {rows!r}"
        remaining.pop(hit)
    return True, ""


def outcome(entry: dict[str, Any], engine: EmbeddedEngine | None = None) -> tuple[str, str]:
    """('pass' | 'refused' | 'wrong', detail)."""
    try:
        columns, rows, types = run(entry, engine)
    except UnsupportedKql as exc:
        return "refused", str(exc)
    ok, why = matches(entry, columns, rows, types)
    return ("pass", "") if ok else ("wrong", why)
