"""`inventory/*.csv`: the organisation facts content reads as Sentinel watchlists, with the logs' own values.

Each CSV's first column is `SearchKey` (the watchlist's itemsSearchKey); every value is a string, as
watchlist values are. A content engineer turns a file into `watchlists/<alias>/` and the rules read it
with `_GetWatchlist('<alias>')`.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .emit_admin import ROLES
from .genai import BLOCKED
from .names import SHAREPOINT_HOST, SHAREPOINT_SITES
from .noise_kv import APPSERVICE_REFS, CSI_MOUNTS, TEAM_IPS
from .world import AKS_EGRESS, APIM_VIP, APPSERVICE_EGRESS, BUILD_EGRESS, OFFICE_EGRESS, PARTNER_IP, World

FILES = {
    "ai_bulk_callers.csv": "identities and APIM subscriptions expected to send high volumes (indexers, batch, "
    "provisioned, the APIM gateway's own identity)",
    "genai_services.csv": "curated third-party GenAI catalogue with Contoso's sanctioned/blocked setting",
    "aoai_endpoints.csv": "Contoso's own Azure OpenAI and APIM endpoints (and the sanctioned partner endpoint)",
    "keyvault_pollers.csv": "identities expected to read secrets routinely, with their vaults and source networks",
    "ai_key_secrets.csv": "secrets holding AI service keys and who is expected to read them",
    "platform_principals.csv": "principals allowed to change AI/Key Vault configuration (and the maintenance window)",
    "sensitive_sites.csv": "SharePoint sites whose downloads count as sensitive",
    "server_workloads.csv": "server networks and hosts that must reach GenAI only through private endpoints/APIM",
    "corporate_networks.csv": "Contoso's own address ranges (anything else is 'public' or 'new')",
    "ai_data_plane_roles.csv": "built-in roles that grant AI or Key Vault data-plane access",
}


def write_inventory(folder: Path, w: World) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (
        ("ai_bulk_callers.csv", _bulk_callers(w)),
        ("genai_services.csv", _genai(w)),
        ("aoai_endpoints.csv", _endpoints(w)),
        ("keyvault_pollers.csv", _pollers(w)),
        ("ai_key_secrets.csv", _ai_secrets(w)),
        ("platform_principals.csv", _platform(w)),
        ("sensitive_sites.csv", _sites()),
        ("server_workloads.csv", _servers(w)),
        ("corporate_networks.csv", _networks()),
        ("ai_data_plane_roles.csv", _roles()),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerows(rows)


def _bulk_callers(w: World) -> list[list[str]]:
    rows = [["SearchKey", "Name", "Kind", "Channel", "Notes"]]
    for key, kind, note in (
        ("mi-rag-indexer", "indexer", "Embeddings around the clock; full crawl 01:00-04:00 UTC"),
        ("mi-batch-summariser", "batch", "nightly 01:30-03:30 UTC; 429 storms and retries are normal"),
        ("mi-apim-gateway", "gateway", "every APIM-routed request reaches Azure OpenAI as this identity"),
        ("mi-eval-harness", "evaluation", "Tuesdays and Thursdays 15:00-16:00 UTC; uses o1"),
    ):
        rows.append([w.app(key).object_id, w.app(key).display, kind, "direct", note])
    for sub, kind, note in (
        ("corp-assistant", "sanctioned-assistant", "Contoso Assistant; streaming; spills to Sweden Central"),
        ("contact-center", "provisioned", "PTU deployment gpt-4o-ptu; 429s at 10:00 and 14:00 peaks"),
        ("batch-docs", "batch", "nightly 00:30-01:30 UTC"),
    ):
        rows.append([sub, w.apim_subs[sub].app, kind, "apim", note])
    return rows


def _genai(w: World) -> list[list[str]]:
    rows = [["SearchKey", "Provider", "Product", "Category", "ServiceType", "Sanctioned", "Blocked", "SourceURL"]]
    for s in w.genai:
        rows.append(
            [
                s.domain,
                s.provider,
                s.product,
                s.category,
                s.service_type,
                str(s.sanctioned).lower(),
                str(s.domain in BLOCKED).lower(),
                s.source_url,
            ]
        )
    return rows


def _endpoints(w: World) -> list[list[str]]:
    rows = [["SearchKey", "Kind", "Owner", "ResourceId", "Environment", "LocalAuth"]]
    for key, acct in w.accounts.items():
        env = "dev" if key == "dev" else "prod"
        rows.append([acct.host, "azure-openai", "contoso", acct.resource_id, env, str(acct.local_auth).lower()])
    rows.append([w.apim_host, "apim-gateway", "contoso", w.apim_id, "prod", "subscription-key"])
    rows.append(
        ["fabrikam-shared-aoai.openai.azure.com", "azure-openai", "partner-fabrikam", "", "joint-project", "unknown"]
    )
    return rows


def _pollers(w: World) -> list[list[str]]:
    rows = [["SearchKey", "AppId", "Name", "Kind", "Vaults", "SourceAddresses"]]
    csi: dict[str, tuple[set[str], set[str]]] = {}
    for cluster, ip, vault, _ in CSI_MOUNTS:
        key = "mi-aks-csi-prod" if cluster == "aks-prod-01" else "mi-aks-csi-prod2"
        csi.setdefault(key, (set(), set()))[0].add(vault)
        csi[key][1].add(ip.rsplit(".", 1)[0] + ".0/24")
    for key, (vaults, nets) in csi.items():
        rows.append(_poller(w, key, "aks-secrets-store-csi", vaults, nets))
    for key, vault, _, ip in APPSERVICE_REFS:
        rows.append(_poller(w, key, "appservice-keyvault-reference", {vault}, {ip}))
    rows.append(_poller(w, "sp-ci-pipeline", "pipeline", {"kv-platform-ci", "kv-prod-apps"}, {"10.30.0.0/24"}))
    rows.append(_poller(w, "sp-secret-scanner", "compliance-scanner", set(w.vaults), {"10.40.2.4"}))
    for team, ip in TEAM_IPS.items():
        rows.append(_poller(w, f"mi-team-{team}", "workload", {f"kv-team-{team}"}, {ip}))
    return rows


def _poller(w: World, key: str, kind: str, vaults: set[str], nets: set[str]) -> list[str]:
    p = w.app(key)
    return [p.object_id, p.app_id or "", p.display, kind, ";".join(sorted(vaults)), ";".join(sorted(nets))]


def _ai_secrets(w: World) -> list[list[str]]:
    rows = [["SearchKey", "Vault", "SecretName", "AiResource", "ExpectedReaders", "ExpectedReaderObjectIds"]]
    vault = w.vaults["kv-prod-ai"]
    for secret, resource, readers in (
        ("aoai-prod-eus-key1", w.accounts["prod-eus"].resource_id, ("mi-aks-csi-prod2",)),
        ("aoai-prod-swc-key1", w.accounts["prod-swc"].resource_id, ("mi-aks-csi-prod", "sp-platform-iac")),
        ("aoai-dev-key1", w.accounts["dev"].resource_id, ("sp-platform-iac",)),
        ("apim-partner-fabrikam-key", w.apim_id, ("sp-platform-iac",)),
        (
            "search-admin-key",
            w.rid("Microsoft.Search/searchServices", "srch-contoso-rag", "ai-prod", "rg-ai-prod"),
            ("mi-aks-csi-prod2",),
        ),
    ):
        rows.append(
            [
                f"{vault.uri}/secrets/{secret}",
                vault.name,
                secret,
                resource,
                ";".join(readers),
                ";".join(w.app(r).object_id for r in readers),
            ]
        )
    return rows


def _platform(w: World) -> list[list[str]]:
    rows = [["SearchKey", "ObjectId", "Name", "Kind", "MaintenanceWindow"]]
    window = "Sat 01:00-05:00 UTC"
    for p in w.dept("platform"):
        rows.append([p.upn or "", p.object_id, p.display, "platform-admin", window])
    iac = w.app("sp-platform-iac")
    rows.append([iac.object_id, iac.object_id, iac.display, "infrastructure-as-code", window])
    return rows


def _sites() -> list[list[str]]:
    rows = [["SearchKey", "Site", "Classification"]]
    for site, sensitive in SHAREPOINT_SITES:
        if sensitive:
            rows.append([f"https://{SHAREPOINT_HOST}/sites/{site}/", site, "Highly Confidential"])
    return rows


def _servers(w: World) -> list[list[str]]:
    rows = [["SearchKey", "Type", "Workload", "Expected"]]
    expected = "Azure OpenAI via private endpoint or APIM only; no third-party GenAI"
    for cluster, nodes in w.aks_nodes.items():
        rows.append([nodes[0].rsplit(".", 1)[0] + ".0/24", "Subnet", f"{cluster} nodes", expected])
    rows.append(["10.30.0.0/24", "Subnet", "build agents", expected + " (huggingface.co model downloads allowed)"])
    for agent in w.build_agents:
        rows.append([agent.name, "Host", "build agent", expected + " (huggingface.co model downloads allowed)"])
    return rows


def _networks() -> list[list[str]]:
    return [
        ["SearchKey", "Kind", "Notes"],
        ["203.0.113.96/28", "office-egress", ";".join(OFFICE_EGRESS)],
        [
            "203.0.113.8/29",
            "azure-nat-egress",
            f"AKS {AKS_EGRESS}; App Service {APPSERVICE_EGRESS}; build {BUILD_EGRESS}",
        ],
        [f"{APIM_VIP}/32", "apim-vip", "APIM's address as Azure OpenAI logs it (masked 203.0.113.***)"],
        [f"{PARTNER_IP}/32", "partner", "Fabrikam integration"],
        ["10.0.0.0/8", "private", "VNets and VPN clients (VPN pool 10.10.0.0/16)"],
    ]


def _roles() -> list[list[str]]:
    rows = [["SearchKey", "RoleName", "Plane"]]
    for name, guid in ROLES.items():
        if name not in ("Contributor", "Reader"):
            rows.append([guid, name, "ai" if "OpenAI" in name else "keyvault"])
    return rows
