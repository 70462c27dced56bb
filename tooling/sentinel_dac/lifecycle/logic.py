"""A rule's *logic*: what decides which alerts it raises, normalised and hashed.

The version lock records this hash per rule id. Two texts of a rule that Sentinel would run the same
way hash the same: comments and whitespace in the query, key order, duration spelling (`1h` vs `PT1H`)
and trigger spelling (`gt` vs `GreaterThan`) do not count; description, name, tactics and other
metadata are not logic at all, so editing them never demands a version bump.

Logic fields: the query, kind, queryFrequency, queryPeriod, triggerOperator, triggerThreshold,
severity, entityMappings, customDetails, alertDetailsOverride, eventGroupingSettings,
incidentConfiguration, suppressionEnabled and suppressionDuration.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..content.build import TRIGGER_OPERATORS
from ..content.durations import parse_duration
from ..content.model import ContentItem

LOGIC_FIELDS = (
    "kind",
    "queryFrequency",
    "queryPeriod",
    "triggerOperator",
    "triggerThreshold",
    "severity",
    "entityMappings",
    "customDetails",
    "alertDetailsOverride",
    "eventGroupingSettings",
    "incidentConfiguration",
    "suppressionEnabled",
    "suppressionDuration",
)
DURATION_FIELDS = {"queryFrequency", "queryPeriod", "suppressionDuration", "lookbackDuration"}

_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.")


def normalise_query(query: str) -> str:
    """The query without comments, with whitespace only where it separates two words.

    String literals are kept byte for byte (a space inside `"a b"` is logic). Kusto string forms:
    '…' and "…" with backslash escapes, verbatim @'…'/@"…" (quote doubled to escape), and
    multi-line ```…``` (https://learn.microsoft.com/kusto/query/scalar-data-types/string).
    """
    out: list[str] = []
    pending_space = False
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if query.startswith("//", i):
            end = query.find("\n", i)
            i = n if end < 0 else end
            pending_space = True
            continue
        if ch.isspace():
            pending_space = True
            i += 1
            continue
        end = _string_end(query, i)
        token = query[i:end] if end > i else ch
        if pending_space and out and out[-1][-1] in _WORD and token[0] in _WORD:
            out.append(" ")
        out.append(token)
        pending_space = False
        i = end if end > i else i + 1
    return "".join(out)


def _string_end(q: str, i: int) -> int:
    """End index of a string literal starting at i (prefixes h, @, h@ included), or i when none does."""
    if q.startswith("```", i):
        end = q.find("```", i + 3)
        return len(q) if end < 0 else end + 3
    if q[i] in "hH@" and i > 0 and q[i - 1] in _WORD:
        return i  # inside a word: the h of `length"` is not a literal's prefix
    j = i
    if q[j : j + 1] in ("h", "H"):
        j += 1
    verbatim = q[j : j + 1] == "@"
    if verbatim:
        j += 1
    if j >= len(q) or q[j] not in "'\"" or (j > i and q[j - 1] not in "hH@"):
        return i
    quote = q[j]
    k = j + 1
    while k < len(q):
        c = q[k]
        if c == "\\" and not verbatim:
            k += 2
            continue
        if c == quote:
            if verbatim and q[k + 1 : k + 2] == quote:
                k += 2
                continue
            return k + 1
        if c == "\n":
            return k  # unterminated: the parser reports it; keep the rest as code
        k += 1
    return len(q)


def logic_of(item: ContentItem) -> dict[str, Any]:
    """The normalised logic fields of a rule or hunting query, as plain JSON data."""
    raw = item.raw
    logic: dict[str, Any] = {"query": normalise_query(item.query)}
    for key in LOGIC_FIELDS:
        if key in raw and raw[key] is not None:
            logic[key] = _canonical(key, raw[key])
    return logic


def logic_hash(item: ContentItem) -> str:
    text = json.dumps(logic_of(item), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _canonical(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(k, v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_canonical(key, v) for v in value]
    if key in DURATION_FIELDS and isinstance(value, str):
        try:
            return int(parse_duration(value).total_seconds())
        except ValueError:
            return value
    if key == "triggerOperator" and isinstance(value, str):
        return TRIGGER_OPERATORS.get(value, value)
    return value
