"""Validate request bodies against Microsoft's OpenAPI (Swagger 2.0) specs, as ARM would.

The specs ship in `specs/specification/…` at their repository paths, so their relative `$ref`s
resolve unchanged (see specs/SOURCES.md). Swagger schemas are JSON Schema draft 4 plus a few
extensions, handled here:

* `discriminator` / `x-ms-discriminator-value`: a body is validated against the concrete
  definition its `kind` selects (an alert rule of kind `NRT` against `NrtAlertRule`);
* `format: duration`: an ISO-8601 duration, checked;
* unknown members: the specs do not forbid them, but a misspelt field silently dropped is the
  error users most need to hear about, so `strict` (the default) rejects them the way the
  service's model binder does ("Could not find member …");
* `null` for an optional member means "absent", as ARM treats it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_ROOT = "specs"
BASE_URI = "https://specs.sentinel-dac.local/"
SI = "specification/securityinsights/resource-manager/Microsoft.SecurityInsights"
REDIRECTS = {
    f"{SI}/stable/2025-09-01/common/AlertTypes.json": f"{SI}/stable/2024-09-01/common/AlertTypes.json",
    f"{SI}/preview/2025-07-01-preview/common/AlertTypes.json": f"{SI}/stable/2024-09-01/common/AlertTypes.json",
}
"""Refs to files we could not obtain, pointed at the closest copy (specs/SOURCES.md)."""

SPEC_FILES = {
    ("alertRules", "2025-09-01"): f"{SI}/stable/2025-09-01/AlertRules.json",
    ("alertRules", "2025-07-01-preview"): f"{SI}/preview/2025-07-01-preview/AlertRules.json",
    ("watchlists", "2025-09-01"): f"{SI}/stable/2025-09-01/Watchlists.json",
    ("watchlistItems", "2025-09-01"): f"{SI}/stable/2025-09-01/Watchlists.json",
    ("savedSearches", "2025-07-01"): "specification/operationalinsights/resource-manager/"
    "Microsoft.OperationalInsights/stable/2025-07-01/SavedSearches.json",
    ("workbooks", "2023-06-01"): "specification/applicationinsights/resource-manager/"
    "Microsoft.Insights/stable/2023-06-01/workbooks_API.json",
}
BODY_DEFINITIONS = {
    "alertRules": "AlertRule",
    "watchlists": "Watchlist",
    "watchlistItems": "WatchlistItem",
    "savedSearches": "SavedSearch",
    "workbooks": "Workbook",
}
_ISO_DURATION = re.compile(
    r"^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)


@dataclass(frozen=True)
class Problem:
    path: str
    """Dotted path of the member in the body (`properties.queryFrequency`)."""
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def supported_versions(resource_type: str) -> list[str]:
    return sorted(v for (t, v) in SPEC_FILES if t == resource_type)


def load_spec_file(rel: str) -> dict[str, Any]:
    node = resources.files(__package__).joinpath(SPEC_ROOT)
    for part in REDIRECTS.get(rel, rel).split("/"):
        node = node.joinpath(part)
    return json.loads(node.read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    """Every spec file under its URI; redirected names get the content they point at."""
    root = resources.files(__package__).joinpath(SPEC_ROOT)
    items = []
    stack = [(root, "")]
    while stack:
        node, rel = stack.pop()
        for child in node.iterdir():
            child_rel = f"{rel}{child.name}"
            if child.is_dir():
                stack.append((child, child_rel + "/"))
            elif child.name.endswith(".json"):
                contents = json.loads(child.read_text(encoding="utf-8"))
                items.append((BASE_URI + child_rel, Resource(contents=contents, specification=DRAFT4)))
    for alias, target in REDIRECTS.items():
        items.append((BASE_URI + alias, Resource(contents=load_spec_file(target), specification=DRAFT4)))
    return Registry().with_resources(items)


_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("duration", raises=ValueError)
def _is_duration(value: object) -> bool:
    return not isinstance(value, str) or bool(_ISO_DURATION.match(value))


def body_definition(resource_type: str, api_version: str, body: dict[str, Any]) -> tuple[str, str]:
    """(spec file, definition name) the body is validated against, following the discriminator."""
    rel = SPEC_FILES[(resource_type, api_version)]
    base = BODY_DEFINITIONS[resource_type]
    definitions = load_spec_file(rel)["definitions"]
    discriminator = definitions[base].get("discriminator")
    if discriminator and isinstance(body.get(discriminator), str):
        for name, schema in definitions.items():
            parents = [p.get("$ref", "") for p in schema.get("allOf", [])]
            if schema.get("x-ms-discriminator-value") == body[discriminator] and f"#/definitions/{base}" in parents:
                return rel, name
    return rel, base


def validate_body(resource_type: str, api_version: str, body: Any, strict: bool = True) -> list[Problem]:
    """Every way `body` breaks the spec's request schema (empty when it is valid)."""
    if not isinstance(body, dict):
        return [Problem("", "the request body must be a JSON object")]
    rel, name = body_definition(resource_type, api_version, body)
    clean = _without_nulls(body)
    uri = f"{BASE_URI}{rel}#/definitions/{name}"
    schema = {"$ref": uri}
    validator = Draft4Validator(schema, registry=_registry(), format_checker=_FORMATS)
    problems = [
        Problem(".".join(str(p) for p in err.absolute_path), _message(err))
        for err in sorted(validator.iter_errors(clean), key=lambda e: list(map(str, e.absolute_path)))
    ]
    discriminator = load_spec_file(rel)["definitions"][BODY_DEFINITIONS[resource_type]].get("discriminator")
    if discriminator and name == BODY_DEFINITIONS[resource_type]:
        value = clean.get(discriminator)
        return [Problem(discriminator, f"the {discriminator} '{value}' is not supported in api-version {api_version}")]
    if strict:
        resolver = _registry().resolver(base_uri=f"{BASE_URI}{rel}")
        problems += _unknown_members(clean, resolver.lookup(f"#/definitions/{name}"), name, "")
    return problems


def _message(err) -> str:
    if err.validator == "enum":
        return f"'{err.instance}' is not one of {', '.join(map(str, err.validator_value))}"
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    if err.validator == "format" and err.validator_value == "duration":
        return f"'{err.instance}' is not an ISO-8601 duration (such as PT5M or P1D)"
    return err.message


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _collect(resolved, names: dict[str, Any]) -> tuple[bool, Any]:
    """Known member names of an object schema (following allOf and $ref); (open, resolver)."""
    schema, resolver = resolved.contents, resolved.resolver
    open_ = False
    if "$ref" in schema:
        return _collect(resolver.lookup(schema["$ref"]), names)
    for part in schema.get("allOf", []):
        sub_open, _ = _collect(resolver.lookup(part["$ref"]) if "$ref" in part else _Resolved(part, resolver), names)
        open_ = open_ or sub_open
    for key, sub in schema.get("properties", {}).items():
        names.setdefault(key, _Resolved(sub, resolver))
    if schema.get("additionalProperties") not in (None, False) or (
        schema.get("type") == "object" and not schema.get("properties") and not schema.get("allOf")
    ):
        open_ = True
    return open_, resolver


@dataclass
class _Resolved:
    contents: Any
    resolver: Any


def _unknown_members(value: Any, resolved, type_name: str, path: str) -> list[Problem]:
    schema, resolver = resolved.contents, resolved.resolver
    while "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        type_name = schema["$ref"].rsplit("/", 1)[-1]
        schema, resolver = resolved.contents, resolved.resolver
    if isinstance(value, list) and "items" in schema:
        out: list[Problem] = []
        for i, item in enumerate(value):
            out += _unknown_members(
                item, _Resolved(schema["items"], resolver), type_name, f"{path}.{i}" if path else str(i)
            )
        return out
    if not isinstance(value, dict):
        return []
    names: dict[str, Any] = {}
    open_, _ = _collect(_Resolved(schema, resolver), names)
    out = []
    for key, sub in value.items():
        where = f"{path}.{key}" if path else key
        if key in names:
            out += _unknown_members(sub, names[key], key[:1].upper() + key[1:], where)
        elif not open_:
            out.append(Problem(where, f"Could not find member '{key}' on object of type '{type_name}'"))
    return out
