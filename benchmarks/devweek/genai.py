"""The curated GenAI service catalogue and the organisation's sanctioned list.

Data: `data/genai_services.csv` (curated from Azure-Sentinel's AI Governance sample; see data/NOTICE.md).
"Sanctioned" is Contoso's policy, not a property of the service, so it lives here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data" / "genai_services.csv"

SANCTIONED = frozenset(
    {
        "copilot.microsoft.com",  # Microsoft Copilot with enterprise data protection
        "copilot.com",
        "githubcopilot.com",  # GitHub Copilot Business for engineering
        "business.githubcopilot.com",
        "huggingface.co",  # model and dataset downloads by engineering and build agents
    }
)
"""Contoso's sanctioned third-party GenAI services (its own Azure OpenAI/APIM endpoints are in aoai_endpoints)."""

BLOCKED = frozenset({"character.ai", "poe.com"})
"""Services the web proxy blocks outright (users still try them)."""


@dataclass(frozen=True)
class GenAiService:
    domain: str
    provider: str
    product: str
    category: str
    service_type: str
    source_url: str

    @property
    def sanctioned(self) -> bool:
        return self.domain in SANCTIONED


def load_services(path: Path = DATA) -> tuple[GenAiService, ...]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    services = tuple(
        GenAiService(r["Domain"], r["Provider"], r["Product"], r["Category"], r["ServiceType"], r["SourceURL"])
        for r in rows
    )
    if any(not s.domain for s in services):
        raise ValueError(f"{path}: a GenAI service without a domain would match every host")
    return services
