"""The two kinds of generators: benign actors (noise) and labelled episodes — and how they are described.

The descriptions are part of the data: the generated README lists every actor with what it stands
for and which naive rule it trips, so a content engineer tuning a rule knows what the noise is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .context import Ctx
    from .world import World


@dataclass(frozen=True)
class Actor:
    """A benign behaviour, generated every hour of the week (volume × `--scale`)."""

    key: str
    run: Callable[[Ctx], None]
    tables: tuple[str, ...]
    stands_for: str
    trips: str


@dataclass(frozen=True)
class Entity:
    type: str  # Sentinel entity type: Account, IP, Host, AzureResource, URL, CloudApplication
    value: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Episode:
    """A labelled attack (or benign near-miss), placed at day + hh:mm from the week's start."""

    id: str
    family: str
    techniques: tuple[str, ...]
    start: tuple[int, str]
    end: tuple[int, str]
    tables: tuple[str, ...]
    covers: str
    entity: Callable[[World], Entity]
    describe: Callable[[World], str]
    run: Callable[[Ctx, int, int], None]
    benign: bool = False
    chain: str | None = None  # the correlation episode this one is a step of
    related: Callable[[World], tuple[Entity, ...]] | None = None


FAMILIES = (
    "genai-quota-abuse",
    "model-stealing",
    "stolen-keys",
    "genai-exfiltration",
    "keyvault",
    "correlation",
)
ENTITY_TYPES = ("Account", "IP", "Host", "AzureResource", "URL", "CloudApplication")
