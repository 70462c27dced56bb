"""Printing query results: an aligned table for people, CSV and JSON for tools."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

from .logs import QueryOutcome

MAX_CELL = 60


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ").replace(".000000Z", "Z")
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def as_table(outcome: QueryOutcome, limit: int | None = None) -> str:
    rows = outcome.rows if limit is None else outcome.rows[:limit]
    texts = [[_clip(cell(v)) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in texts]) for i, c in enumerate(outcome.columns)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(outcome.columns), line(["-" * w for w in widths])]
    out += [line(r) for r in texts]
    if limit is not None and len(outcome.rows) > limit:
        out.append(f"... {len(outcome.rows) - limit} more rows (use --format csv or json for all)")
    return "\n".join(out)


def as_csv(outcome: QueryOutcome) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(outcome.columns)
    writer.writerows([cell(v) for v in row] for row in outcome.rows)
    return buf.getvalue().rstrip("\n")


def as_json(outcome: QueryOutcome, **extra: Any) -> str:
    return json.dumps(
        {
            **extra,
            "columns": outcome.columns,
            "types": outcome.types,
            "rows": [{c: _json(v) for c, v in zip(outcome.columns, row, strict=True)} for row in outcome.rows],
            "partial_error": outcome.partial_error,
        },
        indent=2,
        ensure_ascii=False,
    )


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return cell(value)
    if isinstance(value, timedelta):
        return str(value)
    return value


def _clip(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
