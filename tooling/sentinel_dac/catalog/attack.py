"""MITRE ATT&CK (Enterprise) and ATLAS lookups, from the tables in data/attack/.

The tables are MITRE's published data reduced to what rule validation needs;
see data/attack/README.md for provenance and MITRE's notices.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactics: tuple[str, ...]
    revoked: bool
    deprecated: bool
    revoked_by: str | None
    parent: str | None


def _data(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(f"data/attack/{name}").read_text(encoding="utf-8"))


ICS_TACTIC_TO_SENTINEL = {"Evasion": "DefenseEvasion"}
"""Sentinel has no ICS "Evasion" tactic; Azure-Sentinel's KillChainTechniquesHelper.cs files the
ICS evasion techniques under DefenseEvasion (see data/attack/README.md)."""


@cache
def techniques() -> dict[str, Technique]:
    """ATT&CK Enterprise and ICS techniques by id (revoked ones included).

    Sentinel's own template validation knows ICS techniques (T0xxx) too, so
    community rules use them; Enterprise and ICS ids never collide.
    """
    out = {}
    rows = [*_data("attack-enterprise.json")["techniques"], *_data("attack-ics.json")["techniques"]]
    for t in rows:
        out[t["id"]] = Technique(
            id=t["id"],
            name=t["name"],
            tactics=tuple(ICS_TACTIC_TO_SENTINEL.get(x, x) for x in t.get("tactics") or ()),
            revoked=bool(t.get("revoked")),
            deprecated=bool(t.get("deprecated")),
            revoked_by=t.get("revoked_by"),
            parent=t.get("subtechnique_of"),
        )
    return out


@cache
def sentinel_tactics() -> tuple[str, ...]:
    """Tactic names Sentinel's rule templates accept."""
    return tuple(_data("sentinel-tactics.json")["accepted"])


@cache
def atlas_techniques() -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in _data("atlas.json")["techniques"]}


@cache
def atlas_tactics() -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in _data("atlas.json")["tactics"]}


def atlas_version() -> str:
    return str(_data("atlas.json")["source"].get("atlas_version", "?"))


@cache
def enterprise_tactics() -> tuple[dict[str, Any], ...]:
    """ATT&CK Enterprise tactics in matrix order: `{"id", "name", "sentinel_name", ...}`."""
    return tuple(_data("attack-enterprise.json")["tactics"])


def attack_version() -> str:
    return str(_data("attack-enterprise.json")["source"].get("attack_version", "?"))
