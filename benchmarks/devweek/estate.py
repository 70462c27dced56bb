"""Building the world: Contoso's people, workload identities, AI accounts and deployments, APIM subscriptions, vaults.

Everything random (GUIDs, names, device ids) comes from `random.Random(f"devweek/{seed}/world")`, so the
same seed gives the same organisation; the rest are fixed facts of the estate.
"""

from __future__ import annotations

import random
import uuid

from .genai import load_services
from .names import DEPARTMENTS, FIRST_NAMES, LAST_NAMES, ORG_DOMAIN
from .world import (
    AKS_EGRESS,
    APPSERVICE_EGRESS,
    OFFICE_EGRESS,
    PARTNER_IP,
    AiAccount,
    ApimSubscription,
    Deployment,
    Device,
    Principal,
    Vault,
    World,
)


def build_world(seed: int, start: int, end: int) -> World:
    rng = random.Random(f"devweek/{seed}/world")

    def guid() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    subs = {name: guid() for name in ("ai-prod", "ai-dev", "platform", "data")}
    people = _people(rng, guid)
    apps = {p.key: p for p in _apps(guid)}
    return World(
        seed=seed,
        start=start,
        end=end,
        tenant_id=guid(),
        workspace_id=guid(),
        subscriptions=subs,
        people=people,
        apps=apps,
        accounts=_accounts(subs),
        apim_name="contoso-apim-prod",
        apim_subs=_apim_subscriptions(),
        vaults=_vaults(subs),
        build_agents=[
            Device(
                f"bld-agent-{i:02d}.build.contoso.example", f"{rng.getrandbits(160):040x}", f"10.30.0.{10 + i}", True
            )
            for i in range(1, 5)
        ],
        aks_nodes={
            "aks-prod-01": tuple(f"10.20.1.{i}" for i in range(4, 10)),
            "aks-prod-02": tuple(f"10.20.2.{i}" for i in range(4, 7)),
        },
        genai=load_services(),
    )


def _people(rng: random.Random, guid) -> list[Principal]:
    people: list[Principal] = []
    used: set[str] = set()
    ws = 100
    for dept, (headcount, new, remote_share) in DEPARTMENTS.items():
        for i in range(headcount + new):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            sam = f"{first}.{last}".lower()
            n = 2
            while sam in used:
                sam, n = f"{first}.{last}{n}".lower(), n + 1
            used.add(sam)
            ws += 1
            remote = rng.random() < remote_share
            ip = f"198.51.100.{100 + len(people) % 100}" if remote else OFFICE_EGRESS[len(people) % 4]
            device = Device(
                f"cws-{ws:04d}.corp.contoso.example",
                f"{rng.getrandbits(160):040x}",
                f"10.10.{ws // 250}.{ws % 250 + 2}",
            )
            people.append(
                Principal(
                    key=sam,
                    kind="user",
                    object_id=guid(),
                    display=f"{first} {last}",
                    upn=f"{sam}@{ORG_DOMAIN}",
                    dept=dept,
                    ip=ip,
                    device=device,
                    first_day=2 if i >= headcount else 0,
                )
            )
    return people


# (key, kind, display, purpose) — workload identities. Benign ones appear in inventory/.
APP_SPECS: tuple[tuple[str, str, str, str], ...] = (
    (
        "mi-apim-gateway",
        "mi",
        "contoso-apim-prod",
        "APIM's managed identity: every APIM call reaches Azure OpenAI as it",
    ),
    ("mi-rag-indexer", "mi", "func-rag-indexer", "RAG indexer: embeds the document corpus around the clock"),
    ("mi-batch-summariser", "mi", "job-ticket-summariser", "nightly batch summarising support tickets (429 storms)"),
    ("mi-eval-harness", "mi", "job-model-eval", "research evaluation harness (uses o1 twice a week)"),
    ("mi-app-reporting", "mi", "app-reporting", "reporting service: a few GPT calls per hour"),
    ("sp-qa-automation", "sp", "qa-automation", "QA test automation calling GPT in office hours"),
    ("mi-aks-csi-prod", "mi", "aks-prod-01-azurekeyvaultsecretsprovider", "AKS secrets-store CSI driver (aks-prod-01)"),
    (
        "mi-aks-csi-prod2",
        "mi",
        "aks-prod-02-azurekeyvaultsecretsprovider",
        "AKS secrets-store CSI driver (new cluster)",
    ),
    ("mi-app-finance-portal", "mi", "app-finance-portal", "App Service Key Vault references (legacy vault)"),
    ("mi-app-hr-portal", "mi", "app-hr-portal", "App Service Key Vault references (legacy vault)"),
    ("mi-app-corp-assistant", "mi", "app-corp-assistant", "App Service Key Vault references (Contoso Assistant)"),
    ("mi-contact-center", "mi", "app-contact-center", "contact-centre app reading its secrets at start"),
    ("mi-contact-center-v2", "mi", "app-contact-center-v2", "new contact-centre slot (role propagation 403s)"),
    ("sp-ci-pipeline", "sp", "ado-ci-pipeline", "CI/CD pipeline: reads secrets and lists keys on every run"),
    ("sp-platform-iac", "sp", "platform-terraform", "platform team's infrastructure-as-code principal"),
    ("sp-secret-scanner", "sp", "secret-hygiene-scanner", "compliance scanner listing every vault daily"),
    ("sp-reporting-etl", "sp", "reporting-etl", "ETL job reading two secrets a day"),
    ("sp-analytics-etl", "sp", "analytics-etl", "analytics ETL (rarely touches AI)"),
    ("sp-aks-deployer", "sp", "aks-deployer", "AKS release automation"),
    ("sp-app-marketing", "sp", "marketing-automation", "marketing automation"),
    ("sp-data-export", "sp", "data-export", "nightly data export"),
    ("mi-team-analytics", "mi", "team-analytics", "team workload"),
    ("mi-team-search", "mi", "team-search", "team workload"),
    ("mi-team-billing", "mi", "team-billing", "team workload"),
    ("mi-team-identity", "mi", "team-identity", "team workload"),
    ("mi-team-web", "mi", "team-web", "team workload"),
    ("mi-team-mobile", "mi", "team-mobile", "team workload"),
    ("sp-unknown-9f3", "sp", "svc-sync-9f3", "never seen before the episode that creates it"),
    ("guest-ext07", "guest", "Ext Partner 07", "guest account invited in an episode"),
    # stand-ins for Microsoft first-party client apps (synthetic ids; real tenants use Microsoft's)
    ("fp-azure-cli", "firstparty", "Microsoft Azure CLI", "client app id in people's tokens when they use the CLI"),
    ("fp-azure-portal", "firstparty", "Azure Portal", "client app id in people's tokens when they use the portal"),
)


def _apps(guid) -> list[Principal]:
    out = []
    for key, kind, display, purpose in APP_SPECS:
        oid = guid()
        if kind == "guest":
            upn = f"ext.partner07_fabrikam.example#EXT#@{ORG_DOMAIN}"
            out.append(Principal(key, kind, oid, display, upn=upn, ip="198.51.100.61", purpose=purpose))
        else:
            out.append(Principal(key, kind, oid, display, app_id=guid(), purpose=purpose))
    return out


def _accounts(subs: dict[str, str]) -> dict[str, AiAccount]:
    prod, dev = subs["ai-prod"], subs["ai-dev"]
    eus = (
        Deployment("gpt-4o", "gpt-4o", "2024-11-20", "GlobalStandard", 300),
        Deployment("gpt-4o-mini", "gpt-4o-mini", "2024-07-18", "GlobalStandard", 500),
        Deployment("gpt-4o-ptu", "gpt-4o", "2024-11-20", "ProvisionedManaged", 100),
        Deployment("text-embedding-3-large", "text-embedding-3-large", "1", "Standard", 350),
        Deployment("o1", "o1", "2024-12-17", "GlobalStandard", 50),
    )
    swc = (
        Deployment("gpt-4o", "gpt-4o", "2024-11-20", "Standard", 150),
        Deployment("gpt-4o-mini", "gpt-4o-mini", "2024-07-18", "Standard", 300),
        Deployment("text-embedding-3-large", "text-embedding-3-large", "1", "Standard", 120),
    )
    devd = (
        Deployment("gpt-4o", "gpt-4o", "2024-11-20", "Standard", 30),
        Deployment("gpt-4o-mini", "gpt-4o-mini", "2024-07-18", "Standard", 60),
        Deployment("gpt-35-turbo", "gpt-35-turbo", "0125", "Standard", 30),
        Deployment("text-embedding-3-small", "text-embedding-3-small", "1", "Standard", 60),
    )
    return {
        "prod-eus": AiAccount("contoso-aoai-prod-eus", prod, "rg-ai-prod", "eastus", eus, local_auth=False),
        "prod-swc": AiAccount("contoso-aoai-prod-swc", prod, "rg-ai-prod", "swedencentral", swc, local_auth=True),
        "dev": AiAccount("contoso-aoai-dev", dev, "rg-ai-dev", "eastus", devd, local_auth=True),
    }


def _apim_subscriptions() -> dict[str, ApimSubscription]:
    ua_sdk = "AzureOpenAI/Python 1.54.4"
    specs = (
        ApimSubscription(
            "corp-assistant",
            "team-digital",
            "genai-internal",
            "Contoso Assistant",
            (APPSERVICE_EGRESS,),
            "Contoso-Assistant/3.2 (+dotnet 8.0)",
        ),
        ApimSubscription(
            "contact-center", "team-cx", "genai-provisioned", "contact-centre copilot", (AKS_EGRESS,), ua_sdk
        ),
        ApimSubscription(
            "hr-chatbot",
            "team-hr-apps",
            "genai-internal",
            "HR policy chatbot",
            (APPSERVICE_EGRESS,),
            "hr-bot/1.8 node-fetch/3.3.2",
        ),
        ApimSubscription(
            "marketing-copy", "team-marketing", "genai-internal", "marketing copy tool", (APPSERVICE_EGRESS,), ua_sdk
        ),
        ApimSubscription(
            "research-sandbox",
            "team-research",
            "genai-sandbox",
            "research sandbox (body logging on)",
            OFFICE_EGRESS,
            ua_sdk,
            api="openai-sandbox",
        ),
        ApimSubscription(
            "partner-fabrikam",
            "partner-fabrikam",
            "genai-partners",
            "Fabrikam integration",
            (PARTNER_IP,),
            "fabrikam-connector/2.1",
        ),
        ApimSubscription("batch-docs", "team-docs", "genai-batch", "nightly document batch", (AKS_EGRESS,), ua_sdk),
        ApimSubscription(
            "dev-playground", "team-engineering", "genai-dev", "developers' playground", OFFICE_EGRESS, ua_sdk
        ),
    )
    return {s.id: s for s in specs}


def _vaults(subs: dict[str, str]) -> dict[str, Vault]:
    p, d, a = subs["platform"], subs["ai-dev"], subs["ai-prod"]
    app_secrets = tuple(
        f"{n}-{i}" for n in ("db-conn", "storage-key", "api-token", "cert-pass", "webhook") for i in range(1, 13)
    )
    vaults = [
        Vault(
            "kv-prod-apps",
            p,
            "rg-platform",
            False,
            app_secrets,
            keys=("data-encryption", "signing"),
            certificates=("api-tls",),
        ),
        Vault(
            "kv-prod-ai",
            a,
            "rg-ai-prod",
            False,
            (
                "aoai-prod-eus-key1",
                "aoai-prod-swc-key1",
                "aoai-dev-key1",
                "apim-partner-fabrikam-key",
                "search-admin-key",
            ),
        ),
        Vault(
            "kv-platform-ci",
            p,
            "rg-platform",
            False,
            tuple(
                f"ci-{n}"
                for n in (
                    "acr-token",
                    "npm-token",
                    "sonar-token",
                    "sp-secret",
                    "db-migrate",
                    "signing-cert-pass",
                    "pypi-token",
                    "slack-hook",
                    "tf-state-key",
                    "aks-kubeconfig",
                    "pat-readonly",
                    "artifact-key",
                )
            ),
        ),
        Vault(
            "kv-dev-sandbox",
            d,
            "rg-ai-dev",
            False,
            tuple(f"dev-{n}" for n in ("aoai-key", "db-conn", "storage-key", "test-token", "webhook")),
            private=False,
        ),
        Vault(
            "kv-legacy-fin",
            p,
            "rg-finance",
            True,
            ("finance-db-conn", "erp-api-key", "bank-sftp-pass", "fx-feed-token"),
        ),
        Vault("kv-legacy-hr", p, "rg-hr", True, ("hr-db-conn", "payroll-api-key", "ats-token")),
    ]
    for team in ("analytics", "search", "billing", "identity", "web", "mobile"):
        vaults.append(
            Vault(
                f"kv-team-{team}",
                p,
                f"rg-team-{team}",
                team in ("billing", "mobile"),
                (f"{team}-db-conn", f"{team}-api-key"),
            )
        )
    return {v.name: v for v in vaults}
