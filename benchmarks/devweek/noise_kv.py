"""Benign Key Vault traffic: pollers, pipelines and people — all of it preceded by 401 challenges.

The user agents of the CSI driver and App Service Key Vault references are synthetic (`content-logs.md`
§5.4: not found in Microsoft's documentation); rules should identify pollers by identity
(inventory/keyvault_pollers.csv), not by user agent.
"""

from __future__ import annotations

from .context import Ctx
from .emit_admin import arm
from .emit_ai import aoai_listkey_audit
from .emit_kv import KvOp, get_secrets, session
from .registry import Actor
from .timeutil import DAY, HOUR, MINUTE, US, at, hour_of_day, office, weekday
from .traffic import chat, direct
from .world import BUILD_EGRESS

KV_TABLES = ("AZKVAuditLogs", "AzureDiagnostics")
CSI_CLIENT = "azsdk-go-azsecrets/v1.1.0 (go1.22.5; linux) csi-secrets-store-provider-azure/v1.5.3"
APPSVC_CLIENT = "AppServiceKeyVaultReferences/1.0 azsdk-net-Security.KeyVault.Secrets/4.6.0"
CI_CLIENT = "azsdk-python-keyvault-secrets/4.8.0 Python/3.11.9 (Linux-5.15.0-1064-azure-x86_64-with-glibc2.35)"
CLI_CLIENT = "AzureCLI/2.64.0 azsdk-python-keyvault-secrets/4.8.0 Python/3.11.8 (Windows-10-10.0.22631-SP0)"
SCANNER_CLIENT = "secret-hygiene-scanner/2.3 azsdk-python-keyvault-secrets/4.8.0"

# (cluster, node IP, vault, secrets) — what each pod's SecretProviderClass mounts
CSI_MOUNTS = (
    ("aks-prod-01", "10.20.1.4", "kv-prod-apps", ("db-conn-1", "storage-key-1", "api-token-1", "webhook-1")),
    ("aks-prod-01", "10.20.1.5", "kv-prod-apps", ("db-conn-2", "api-token-2")),
    ("aks-prod-01", "10.20.1.5", "kv-prod-ai", ("aoai-prod-swc-key1",)),
    ("aks-prod-01", "10.20.1.6", "kv-prod-apps", ("db-conn-3", "storage-key-3", "cert-pass-3")),
    ("aks-prod-02", "10.20.2.4", "kv-prod-apps", ("db-conn-4", "api-token-4")),
    ("aks-prod-02", "10.20.2.5", "kv-prod-ai", ("aoai-prod-eus-key1",)),
)
CSI_POLL = 10 * MINUTE  # rotation poll interval
AKS2_LIVE = (5, "02:10")  # the second cluster goes live in Saturday's maintenance window (episode KV-B2)

# App Service apps resolving Key Vault references: (identity, vault, secrets, source IP)
APPSERVICE_REFS = (
    ("mi-app-finance-portal", "kv-legacy-fin", ("finance-db-conn", "erp-api-key", "fx-feed-token"), "203.0.113.11"),
    ("mi-app-hr-portal", "kv-legacy-hr", ("hr-db-conn", "payroll-api-key"), "203.0.113.11"),
    ("mi-app-corp-assistant", "kv-prod-apps", ("api-token-5", "db-conn-5", "storage-key-5"), "10.41.0.5"),
    ("mi-contact-center", "kv-prod-apps", ("api-token-6", "webhook-6"), "10.41.0.6"),
)
TEAM_IPS = {
    "analytics": "10.20.1.7",
    "search": "10.20.1.8",
    "billing": "10.20.1.9",
    "identity": "10.20.1.4",
    "web": "10.20.1.6",
    "mobile": "10.20.1.5",
}


def csi_driver(ctx: Ctx) -> None:
    w = ctx.world
    interval = max(10 * US, int(CSI_POLL / max(ctx.volume, 1e-6)))
    aks2_live = at(w.start, *AKS2_LIVE) + 40 * MINUTE
    for i, (cluster, ip, vault, secrets) in enumerate(CSI_MOUNTS):
        who = w.app("mi-aks-csi-prod" if cluster == "aks-prod-01" else "mi-aks-csi-prod2")
        lo = aks2_live if cluster == "aks-prod-02" else None
        for t in ctx.every(interval, phase=(i * 97 + 13) * US, a=lo):
            session(ctx, t, w.vaults[vault], who, ip, CSI_CLIENT, get_secrets(secrets))


def appservice_references(ctx: Ctx) -> None:
    """Daily refresh, plus restarts (deployments, scale-out) and the Saturday maintenance restart."""
    w = ctx.world
    maint = at(w.start, 5, "03:00") if w.start + 5 * DAY < w.end else -1
    for i, (key, vault, secrets, ip) in enumerate(APPSERVICE_REFS):
        times = ctx.every(DAY, phase=(3 + i) * HOUR + i * 7 * MINUTE) + ctx.arrivals(0.12 * office(ctx.start))
        if ctx.contains(maint + i * MINUTE):
            times.append(maint + i * MINUTE)
        for t in sorted(times):
            session(ctx, t, w.vaults[vault], w.app(key), ip, APPSVC_CLIENT, get_secrets(secrets))


def ci_pipeline(ctx: Ctx) -> None:
    """Every run: list + read all CI secrets, read two deploy secrets, list the dev account's keys, run
    integration tests with that key from the build NAT IP. Runs on commits (weekdays) and nightly at 02:00."""
    w = ctx.world
    sp = w.app("sp-ci-pipeline")
    ci_vault, apps = w.vaults["kv-platform-ci"], w.vaults["kv-prod-apps"]
    dev = w.accounts["dev"]
    runs = ctx.arrivals(3 * office(ctx.start) if weekday(ctx.start) < 5 else 0)
    runs += ctx.every(DAY, phase=2 * HOUR + 3 * MINUTE)
    for t in sorted(runs):
        agent = w.build_agents[ctx.rng.randrange(len(w.build_agents))]
        ops = [KvOp("SecretList"), *get_secrets(ci_vault.secrets)]
        t = session(ctx, t, ci_vault, sp, agent.local_ip, CI_CLIENT, ops)
        t = session(ctx, t + 5 * US, apps, sp, agent.local_ip, CI_CLIENT, get_secrets(("db-conn-7", "api-token-7")))
        t += ctx.rng.randint(30, 120) * US
        arm(ctx, t, sp, BUILD_EGRESS, "Microsoft.CognitiveServices/accounts/listKeys/action", dev.resource_id)
        aoai_listkey_audit(ctx, t + 2 * US, dev, sp.object_id, BUILD_EGRESS)
        t += ctx.rng.randint(60, 240) * US
        for _ in range(5):
            t = direct(ctx, t, chat(ctx, dev, "gpt-4o-mini", completion=(10, 60)), "", BUILD_EGRESS) + 300_000


def scanners_and_jobs(ctx: Ctx) -> None:
    """The compliance scanner lists every vault at 06:00; the reporting ETL reads its two secrets at 05:30;
    team workloads read their own vault hourly (some team vaults are still in legacy log mode)."""
    w = ctx.world
    scanner = w.app("sp-secret-scanner")
    for t in ctx.every(DAY, phase=6 * HOUR):
        for vault in w.vaults.values():
            ops = [KvOp("SecretList")] + ([KvOp("KeyList")] if vault.keys else [])
            t = session(ctx, t, vault, scanner, "10.40.2.4", SCANNER_CLIENT, ops) + 200_000
    for t in ctx.every(DAY, phase=5 * HOUR + 30 * MINUTE):
        session(
            ctx,
            t,
            w.vaults["kv-prod-apps"],
            w.app("sp-reporting-etl"),
            "10.40.2.5",
            CI_CLIENT,
            get_secrets(("db-conn-8", "api-token-8")),
        )
    interval = max(60 * US, int(HOUR / max(ctx.volume, 1e-6)))
    for i, (team, ip) in enumerate(TEAM_IPS.items()):
        vault = w.vaults[f"kv-team-{team}"]
        for t in ctx.every(interval, phase=(i * 331 + 60) * US):
            session(ctx, t, vault, w.app(f"mi-team-{team}"), ip, CSI_CLIENT, get_secrets(vault.secrets))


def key_users(ctx: Ctx) -> None:
    """The contact-centre app signs webhook payloads with a Key Vault key (KeyGet on the hour, KeySign per call)."""
    w = ctx.world
    vault, mi = w.vaults["kv-prod-apps"], w.app("mi-contact-center")
    session(ctx, ctx.start + 90 * US, vault, mi, "10.41.0.6", APPSVC_CLIENT, [KvOp("KeyGet", "signing")])
    for t in ctx.arrivals(20 * office(ctx.start)):
        session(ctx, t, vault, mi, "10.41.0.6", APPSVC_CLIENT, [KvOp("KeySign", "signing")], challenge=False)


def people(ctx: Ctx) -> None:
    """Engineers read dev secrets from the CLI; the platform team reads and rotates production secrets."""
    w = ctx.world
    day = (ctx.start - w.start) // DAY
    devs = [p for p in w.dept("engineering") if p.employed(day)]
    sandbox, apps = w.vaults["kv-dev-sandbox"], w.vaults["kv-prod-apps"]
    for t in ctx.arrivals(6 * office(ctx.start)):
        person = devs[ctx.rng.randrange(len(devs))]
        names = ctx.rng.sample(sandbox.secrets, ctx.rng.randint(1, 3))
        ops = ([KvOp("SecretList")] if ctx.chance(0.3) else []) + get_secrets(names)
        ip = f"198.51.100.{200 + w.people.index(person) % 40}" if day == 3 and ctx.chance(0.2) else person.ip
        session(ctx, t, sandbox, person, ip, CLI_CLIENT, ops)
    admins = w.dept("platform")
    for t in ctx.arrivals(1.5 * office(ctx.start)):
        admin = admins[ctx.rng.randrange(len(admins))]
        name = ctx.rng.choice(apps.secrets)
        ops = [KvOp("SecretGet", name)] if ctx.chance(0.6) else [KvOp("SecretSet", name), KvOp("SecretGet", name)]
        session(ctx, t, apps, admin, admin.ip, CLI_CLIENT, ops)
    if hour_of_day(ctx.start) == 9 and weekday(ctx.start) == 0:
        ai = w.vaults["kv-prod-ai"]  # weekly key-rotation check by the platform team: reads AI secrets too
        session(ctx, ctx.start + 17 * MINUTE, ai, admins[0], admins[0].ip, CLI_CLIENT, [KvOp("SecretList")])


ACTORS = (
    Actor(
        "csi-driver",
        csi_driver,
        KV_TABLES,
        "AKS secrets-store CSI driver identities poll their mounted secrets every "
        "10 minutes from node IPs (a second cluster joins on Saturday)",
        "mass secret retrieval, 401 counts, AI-key secret read by a non-human",
    ),
    Actor(
        "appservice-references",
        appservice_references,
        KV_TABLES,
        "App Service Key Vault references: daily refresh "
        "and restarts, two apps on legacy-mode vaults (AzureDiagnostics)",
        "secret reads at odd hours",
    ),
    Actor(
        "ci-pipeline",
        ci_pipeline,
        (*KV_TABLES, "AzureActivity", "AzureMetrics"),
        "sp-ci-pipeline: every run lists "
        "and reads 12 CI secrets + 2 deploy secrets, lists the dev account's keys and calls it with the key",
        "mass secret retrieval, SecretList, listKeys followed by key-based calls",
    ),
    Actor(
        "scanners-and-jobs",
        scanners_and_jobs,
        KV_TABLES,
        "the compliance scanner lists all 12 vaults at 06:00; "
        "reporting ETL reads two secrets; team workloads read their own vault hourly",
        "one principal touching many vaults",
    ),
    Actor(
        "key-users",
        key_users,
        KV_TABLES,
        "the contact-centre app reads its signing key hourly and signs webhook payloads with it (KeySign)",
        "key operations by an application",
    ),
    Actor(
        "kv-people",
        people,
        KV_TABLES,
        "engineers read dev-sandbox secrets from the CLI (some from a hotel IP on "
        "Thursday); the platform team reads and rotates production secrets",
        "human secret reads, new IP",
    ),
)
