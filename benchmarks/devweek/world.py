"""Contoso, the synthetic organisation of the development week: people, workloads, resources, networks.

Built once per run by `estate.build_world(seed)`; every identifier is synthetic (seeded GUIDs, example
domains, documentation/benchmarking IP ranges). The same world feeds the logs, the episode labels and
the inventory CSVs, so a watchlist built from `inventory/` matches the logs exactly.

Networks (all synthetic):
  203.0.113.0/24   Contoso's public egress (RFC 5737 TEST-NET-3): offices, Azure NAT, APIM's VIP
  198.51.100.0/24  home workers, travel, the partner Fabrikam (TEST-NET-2)
  192.0.2.0/24     attacker infrastructure (TEST-NET-1) — only episodes use it
  198.18.0.0/15    internet services (RFC 2544 benchmarking range): never a real service's address
  10.0.0.0/8       private: workstations 10.10/16, AKS nodes 10.20.1/24, build agents 10.30.0/24,
                   private endpoints 10.40.0/24
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .genai import GenAiService

OFFICE_EGRESS = ("203.0.113.100", "203.0.113.101", "203.0.113.102", "203.0.113.103")
AKS_EGRESS = "203.0.113.10"
APPSERVICE_EGRESS = "203.0.113.11"
BUILD_EGRESS = "203.0.113.15"
APIM_VIP = "203.0.113.20"
PARTNER_IP = "198.51.100.60"


@dataclass(frozen=True)
class Device:
    name: str
    device_id: str
    local_ip: str
    linux: bool = False


@dataclass(frozen=True)
class Principal:
    """A user, guest, service principal (sp) or managed identity (mi)."""

    key: str
    kind: str
    object_id: str
    display: str
    upn: str | None = None
    app_id: str | None = None
    dept: str | None = None
    ip: str | None = None  # usual public egress
    device: Device | None = None
    first_day: int = 0  # new employees start mid-week
    purpose: str = ""

    def employed(self, day: int) -> bool:
        """On `day` of the week (negative in the warm-up): first_day 0 is staff from before the week."""
        return self.first_day <= max(day, 0)

    @property
    def is_human(self) -> bool:
        return self.kind in ("user", "guest")

    @property
    def caller(self) -> str:
        """How AzureActivity's Caller shows this principal: UPN for people, object id for apps."""
        return self.upn if self.upn else self.object_id

    @property
    def sam(self) -> str:
        return (self.upn or self.display).split("@")[0]


@dataclass(frozen=True)
class Deployment:
    name: str
    model: str
    version: str
    sku: str
    capacity: int


@dataclass(frozen=True)
class AiAccount:
    name: str
    subscription: str
    rg: str
    region: str
    deployments: tuple[Deployment, ...]
    local_auth: bool

    @property
    def host(self) -> str:
        return f"{self.name}.openai.azure.com"

    @property
    def resource_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.rg}"
            f"/providers/Microsoft.CognitiveServices/accounts/{self.name}"
        )

    def deployment(self, name: str) -> Deployment | None:
        return next((d for d in self.deployments if d.name == name), None)


@dataclass(frozen=True)
class ApimSubscription:
    """One APIM subscription (key) and the application that owns it."""

    id: str
    user_id: str
    product: str
    app: str
    ips: tuple[str, ...]
    user_agent: str
    api: str = "azure-openai"


@dataclass(frozen=True)
class Vault:
    name: str
    subscription: str
    rg: str
    legacy: bool  # logs to AzureDiagnostics (MICROSOFT.KEYVAULT) instead of AZKVAuditLogs
    secrets: tuple[str, ...]
    keys: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()
    private: bool = True  # reached through a private endpoint from the VNet

    @property
    def resource_id(self) -> str:
        rg = f"/subscriptions/{self.subscription}/resourceGroups/{self.rg}"
        return f"{rg}/providers/Microsoft.KeyVault/vaults/{self.name}"

    @property
    def uri(self) -> str:
        return f"https://{self.name}.vault.azure.net"


@dataclass
class World:
    seed: int
    start: int
    end: int
    tenant_id: str
    workspace_id: str
    subscriptions: dict[str, str]
    people: list[Principal]
    apps: dict[str, Principal]
    accounts: dict[str, AiAccount]
    apim_name: str
    apim_subs: dict[str, ApimSubscription]
    vaults: dict[str, Vault]
    build_agents: list[Device]
    aks_nodes: dict[str, tuple[str, ...]]
    genai: tuple[GenAiService, ...]
    versions: dict[str, str] = field(default_factory=dict)

    # -- look-ups used by actors and episodes ---------------------------------------------
    def dept(self, name: str, *, include_new: bool = True) -> list[Principal]:
        return [p for p in self.people if p.dept == name and (include_new or p.first_day == 0)]

    def person(self, dept: str, index: int) -> Principal:
        """A fixed member of a department (episodes name their actors this way)."""
        return self.dept(dept, include_new=False)[index]

    def app(self, key: str) -> Principal:
        return self.apps[key]

    def new_hires(self) -> list[Principal]:
        return [p for p in self.people if p.first_day > 0]

    def rid(self, kind: str, name: str, sub: str = "platform", rg: str = "rg-platform") -> str:
        return f"/subscriptions/{self.subscriptions[sub]}/resourceGroups/{rg}/providers/{kind}/{name}"

    @property
    def apim_id(self) -> str:
        return self.rid("Microsoft.ApiManagement/service", self.apim_name)

    @property
    def apim_host(self) -> str:
        return f"{self.apim_name}.azure-api.net"

    @property
    def firewall_id(self) -> str:
        return self.rid("Microsoft.Network/azureFirewalls", "fw-hub-weu-01", rg="rg-network")

    def version(self, vault: str, obj: str) -> str:
        """Stable object version id (32 hex) for a secret/key/certificate."""
        k = f"{vault}/{obj}"
        if k not in self.versions:
            self.versions[k] = hashlib.sha256(f"{self.seed}/{k}".encode()).hexdigest()[:32]
        return self.versions[k]

    def service_ip(self, host: str) -> str:
        """A stable address for an internet host, inside 198.18.0.0/15 (never a real address)."""
        h = hashlib.sha256(host.encode()).digest()
        return f"198.{18 + h[0] % 2}.{h[1]}.{1 + h[2] % 254}"
