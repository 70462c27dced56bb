"""Hunting queries and parsers → Log Analytics saved searches (Microsoft.OperationalInsights).

Sentinel has no hunting-query resource: the portal stores a hunting query as a saved search in
category "Hunting Queries" with its description, tactics and techniques as tags, and a parser
(KQL function) as a saved search with a `functionAlias` (research notes §9).
"""

from __future__ import annotations

import re
from typing import Any

from ..content.model import HuntingQuery, Parser
from .names import object_name
from .objects import ApiObject, Kind

HUNTING_CATEGORY = "Hunting Queries"
DEFAULT_PARSER_CATEGORY = "Parsers"
SAVED_SEARCH_VERSION = 2
"""The saved-search schema version: "The current version is 2 and is the default" (SavedSearches.json)."""


DEPRECATED_PREFIX = "[Deprecated] "
"""Azure-Sentinel's own convention for retired content: the name says so where hunters see it."""


def hunting_query_body(query: HuntingQuery) -> dict[str, Any]:
    """Tags as Microsoft's own solution packages write them (research notes §9.2):
    lower-case names, several values comma-joined into one string.

    A saved search cannot be disabled, so a deprecated hunting query (its `.meta.yaml` says so) is
    deployed under a "[Deprecated]" name with the date and reason leading its description.
    """
    name, description = query.name, query.description.strip()
    deprecated = query.meta.deprecated if query.meta is not None else None
    if deprecated is not None:
        name = DEPRECATED_PREFIX + name
        description = f"Deprecated {deprecated.date}: {deprecated.reason.strip()}\n\n{description}".strip()
    tags = [
        {"name": "description", "value": description},
        {"name": "tactics", "value": ",".join(query.tactics)},
        {"name": "techniques", "value": ",".join(query.techniques)},
    ]
    return {
        "properties": {
            "category": HUNTING_CATEGORY,
            "displayName": name,
            "query": query.query,
            "version": SAVED_SEARCH_VERSION,
            "tags": [t for t in tags if t["value"]],
        }
    }


def parser_body(parser: Parser) -> dict[str, Any]:
    props: dict[str, Any] = {
        "category": parser.category or DEFAULT_PARSER_CATEGORY,
        "displayName": parser.title,
        "query": parser.query,
        "functionAlias": parser.function_alias,
        "version": SAVED_SEARCH_VERSION,
    }
    params = function_parameters(parser)
    if params:
        props["functionParameters"] = params
    return {"properties": props}


def function_parameters(parser: Parser) -> str:
    """`name:type=default,...` -- the format of Microsoft's own parser templates (research notes §9.5).

    A string default is written as a KQL string literal unless it already is one.
    """
    out = []
    for p in parser.params:
        text = f"{p.name}:{p.type}"
        if p.default is not None:
            text += f"={_literal(p.type, p.default)}"
        out.append(text)
    return ",".join(out)


def _literal(kql_type: str, default: str) -> str:
    if kql_type != "string" or re.fullmatch(r"""(['"]).*\1|[@h]?(['"]).*\2""", default, re.S):
        return default
    return "'" + default.replace("\\", "\\\\").replace("'", "\\'") + "'"


_PARAM = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z_:()*]+)\s*(?:=\s*(.*?))?\s*$", re.S)


def parse_function_parameters(text: str) -> list[tuple[str, str, str | None]]:
    """Inverse of `function_parameters`: [(name, type, default)], splitting on top-level commas."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote and text[i - 1] != "\\" else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    out = []
    for part in parts:
        if not part.strip():
            continue
        m = _PARAM.match(part)
        if not m:
            raise ValueError(f"'{part.strip()}' is not 'name:type' or 'name:type=default'")
        out.append((m.group(1), m.group(2), m.group(3)))
    return out


def hunting_query_object(query: HuntingQuery) -> ApiObject:
    return ApiObject(
        kind=Kind.HUNTING_QUERY,
        name=object_name(Kind.HUNTING_QUERY, query.id),
        content_id=query.id,
        source=query.display,
        body=hunting_query_body(query),
        title=query.name,
    )


def parser_object(parser: Parser, depends_on: tuple[tuple[Kind, str], ...] = ()) -> ApiObject:
    return ApiObject(
        kind=Kind.PARSER,
        name=object_name(Kind.PARSER, parser.id),
        content_id=parser.id,
        source=parser.display,
        body=parser_body(parser),
        depends_on=depends_on,
        title=parser.function_alias,
    )
