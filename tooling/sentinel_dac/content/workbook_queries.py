"""The Log Analytics queries inside a workbook, made checkable.

A workbook query is KQL with `{Parameter}` placeholders that the portal expands before it runs
the query. To check it with Kusto.Language we expand them the same way with a stand-in value of
the right kind, and keep a map from every offset in the expanded text back to the original
query, and from there to the line and column in the workbook JSON file.

Expansion rules (learn.microsoft.com/azure/azure-monitor/visualize/workbooks-time and
workbooks-parameters; workbooks-dropdowns for multi-select quoting):
- a time range parameter (type 4): `{T}`, `{T:value}`, `{T:query}` -> `> ago(1d)`;
  `{T:start}`, `{T:end}` -> a datetime literal; `{T:grain}` -> a timespan;
- a placeholder inside a string literal of the query -> `x` (any text keeps the query valid);
- a multi-select parameter -> one quoted value (`'x'`), the form `in ({P})` expects;
- otherwise the parameter's default `value` when it is a number, else a string literal.
The workbook definition's `checkParameters` overrides any of these with exact KQL text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

LOGS_QUERY_TYPE = 0
"""`queryType` of a Log Analytics query in a workbook item (1 is Azure Resource Graph, 10 ARM...)."""
WORKSPACE_RESOURCE_TYPE = "microsoft.operationalinsights/workspaces"
TIME_RANGE_TYPE = 4
PARAMETERS_ITEM = 9
QUERY_ITEM = 3
GROUP_ITEM = 12

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
TIME_STANDINS = {
    None: "> ago(1d)",
    "value": "> ago(1d)",
    "query": "> ago(1d)",
    "start": "datetime(2024-01-01T00:00:00Z)",
    "end": "datetime(2024-01-02T00:00:00Z)",
    "grain": "1h",
    "label": "Last 24 hours",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    type: int | None
    multi_select: bool
    quote: str
    value: Any


@dataclass(frozen=True)
class WorkbookQuery:
    """One Log Analytics query: its JSON pointer (`/items/2/content/query`) and text."""

    pointer: str
    query: str


@dataclass
class Expansion:
    """A query with its placeholders replaced, and the way back to the original offsets."""

    text: str
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(expanded start, expanded end, original start, original end) of each replacement."""
    standins: list[str] = field(default_factory=list)

    def original_offset(self, offset: int) -> int:
        """Offset in the original query of `offset` in the expanded text (a stand-in maps to its placeholder)."""
        shift = 0
        for new_start, new_end, old_start, old_end in self.spans:
            if offset < new_start:
                break
            if offset < new_end:
                return old_start
            shift = old_end - new_end
        return offset + shift


def logs_queries(data: dict[str, Any]) -> list[WorkbookQuery]:
    """Every Log Analytics query of a workbook (query steps and parameter queries, nested groups too)."""
    return [WorkbookQuery(pointer, query) for pointer, query in _walk(data.get("items"), "/items")]


def parameters(data: dict[str, Any]) -> dict[str, Parameter]:
    """Every parameter the workbook declares in a parameters step, by name (later ones win)."""
    found: dict[str, Parameter] = {}
    for item in _items(data.get("items")):
        if item.get("type") != PARAMETERS_ITEM:
            continue
        for p in _content(item).get("parameters") or []:
            if isinstance(p, dict) and isinstance(p.get("name"), str):
                found[p["name"]] = Parameter(
                    name=p["name"],
                    type=p.get("type"),
                    multi_select=bool(p.get("multiSelect")),
                    quote=p.get("quote", "'") if isinstance(p.get("quote", "'"), str) else "'",
                    value=p.get("value"),
                )
    return found


def expand(query: str, declared: dict[str, Parameter], overrides: dict[str, str]) -> Expansion:
    """Replace each `{Name}` / `{Name:format}` placeholder by a stand-in (see the module docstring)."""
    out: list[str] = []
    expansion = Expansion(text="")
    last = 0
    length = 0
    for match in PLACEHOLDER.finditer(query):
        name, fmt = match.group(1), match.group(2)
        standin = _standin(name, fmt, declared.get(name), overrides, _inside_string(query, match.start()))
        out.append(query[last : match.start()])
        length += match.start() - last
        expansion.spans.append((length, length + len(standin), match.start(), match.end()))
        expansion.standins.append(f"{match.group(0)} -> {standin}")
        out.append(standin)
        length += len(standin)
        last = match.end()
    out.append(query[last:])
    expansion.text = "".join(out)
    return expansion


def _standin(name: str, fmt: str | None, param: Parameter | None, overrides: dict[str, str], quoted: bool) -> str:
    key = f"{name}:{fmt}" if fmt is not None else name
    if key in overrides:
        return overrides[key]
    if name in overrides and fmt is None:
        return overrides[name]
    if quoted:
        return "x"
    if param is not None and param.type == TIME_RANGE_TYPE:
        return TIME_STANDINS.get(fmt, TIME_STANDINS[None])
    if param is not None and param.multi_select:
        return f"{param.quote}x{param.quote}"
    if param is not None and isinstance(param.value, int | float) and not isinstance(param.value, bool):
        return str(param.value)
    return "'x'"


def _inside_string(query: str, offset: int) -> bool:
    """Whether `offset` lies inside a '...' or "..." literal (KQL's backslash escapes honoured)."""
    quote: str | None = None
    i = 0
    while i < offset:
        ch = query[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "/" and query.startswith("//", i):
            newline = query.find("\n", i)
            if newline == -1 or newline >= offset:
                return False
            i = newline
        i += 1
    return quote is not None


def _walk(items: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        here = f"{pointer}/{index}"
        content = _content(item)
        kind = item.get("type")
        if kind == QUERY_ITEM and _is_logs(content) and isinstance(content.get("query"), str):
            yield f"{here}/content/query", content["query"]
        elif kind == PARAMETERS_ITEM:
            for p_index, p in enumerate(content.get("parameters") or []):
                if isinstance(p, dict) and isinstance(p.get("query"), str) and _is_logs(p, inherited=content):
                    yield f"{here}/content/parameters/{p_index}/query", p["query"]
        elif kind == GROUP_ITEM:
            yield from _walk(content.get("items"), f"{here}/content/items")


def _is_logs(obj: dict[str, Any], inherited: dict[str, Any] | None = None) -> bool:
    """A Log Analytics query on a workspace (not Resource Graph, ARM, metrics or Application Insights)."""
    base = inherited or {}
    query_type = obj.get("queryType", base.get("queryType", LOGS_QUERY_TYPE))
    resource_type = obj.get("resourceType", base.get("resourceType", WORKSPACE_RESOURCE_TYPE))
    return query_type == LOGS_QUERY_TYPE and str(resource_type).lower() == WORKSPACE_RESOURCE_TYPE


def _items(items: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(items, list):
        return
    for item in items:
        if isinstance(item, dict):
            yield item
            if item.get("type") == GROUP_ITEM:
                yield from _items(_content(item).get("items"))


def _content(item: dict[str, Any]) -> dict[str, Any]:
    content = item.get("content")
    return content if isinstance(content, dict) else {}
