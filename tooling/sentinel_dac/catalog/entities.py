"""Entity types and their identifiers (Azure-Sentinel's validation data, MIT; see the JSON's `source`)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def entity_types() -> dict[str, dict[str, Any]]:
    """`{type: {"identifiers": [...], "required_any_of": [[...], ...]}}`."""
    text = resources.files(__package__).joinpath("data/entity-identifiers.json").read_text(encoding="utf-8")
    return json.loads(text)["entities"]


def required_identifier_sets(entity_type: str) -> list[list[str]]:
    """Identifier combinations of which at least one must be filled for the entity to exist."""
    return entity_types().get(entity_type, {}).get("required_any_of", [])
