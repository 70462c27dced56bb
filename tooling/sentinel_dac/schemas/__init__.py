"""The JSON Schema (draft 2020-12) files that describe every content file.

Schemas are data shipped in the package; `validator(name)` compiles one with
its `$ref`s resolved against the others (no network access, ever).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMA_NAMES = (
    "common",
    "entity-mappings",
    "analytics-rule",
    "hunting-query",
    "parser",
    "watchlist",
    "workbook",
    "rule-meta",
    "project-config",
    "emulator-workspaces",
    "test-cases",
    "targets",
)


def load_schema(name: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def validator_registry() -> Registry:
    resources_ = [(schema["$id"], Resource.from_contents(schema)) for schema in (load_schema(n) for n in SCHEMA_NAMES)]
    return Registry().with_resources(resources_)


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for `<name>.schema.json`."""
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=validator_registry())
