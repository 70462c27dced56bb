"""Episodes: Key Vault anomalies (issue 9), plus two benign near-misses (role propagation, new cluster)."""

from __future__ import annotations

from . import labels as L
from .context import Ctx
from .emit_admin import arm, role_assignment
from .emit_kv import DENIED, FIREWALLED, KvOp, get_secrets, session, vault_patch
from .noise_kv import CI_CLIENT, CLI_CLIENT, CSI_CLIENT
from .registry import Episode
from .timeutil import MINUTE, US

FAMILY = "keyvault"
CI_THIEF_IP = "192.0.2.120"
OPENER_IP = "192.0.2.130"
WIPER_IP = "192.0.2.160"
PS_CLIENT = "azsdk-net-Security.KeyVault.Secrets/4.6.0 (.NET 8.0.10; Microsoft Windows 10.0.22631)"


def kv01_mass_read(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, vault = w.person("support", 12), w.vaults["kv-prod-apps"]
    if ctx.contains(a):
        session(
            ctx,
            a,
            vault,
            who,
            who.device.local_ip,
            PS_CLIENT,
            [KvOp("SecretList"), *get_secrets(vault.secrets)],
            gap_ms=(200, 1200),
        )


def kv02_many_vaults(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    sp = w.app("sp-reporting-etl")
    t = a
    for name in (
        "kv-prod-apps",
        "kv-prod-ai",
        "kv-platform-ci",
        "kv-dev-sandbox",
        "kv-legacy-fin",
        "kv-legacy-hr",
        "kv-team-billing",
        "kv-team-identity",
        "kv-team-mobile",
    ):
        vault = w.vaults[name]
        if ctx.contains(t):
            t = session(
                ctx, t, vault, sp, "10.40.2.5", CI_CLIENT, [KvOp("SecretList"), *get_secrets(vault.secrets[:2])]
            )
        t += ctx.rng.randint(3, 6) * MINUTE


def kv03_new_ip(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    sp = w.app("sp-ci-pipeline")
    if not ctx.contains(a):
        return
    sandbox, ci = w.vaults["kv-dev-sandbox"], w.vaults["kv-platform-ci"]
    t = session(
        ctx, a, sandbox, sp, CI_THIEF_IP, "python-requests/2.32.3", [KvOp("SecretList"), *get_secrets(sandbox.secrets)]
    )
    blocked = [
        KvOp("SecretList", None, 403, FIREWALLED),
        *(KvOp("SecretGet", n, 403, FIREWALLED) for n in ci.secrets[:2]),
    ]
    session(ctx, t + 2 * MINUTE, ci, sp, CI_THIEF_IP, "python-requests/2.32.3", blocked)


def kv04_403_burst(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, vault = w.person("sales", 9), w.vaults["kv-prod-ai"]
    t = a
    for _ in range(5):
        if ctx.contains(t):
            names = [vault.secrets[ctx.rng.randrange(len(vault.secrets))] for _ in range(15)]
            t = session(ctx, t, vault, who, who.device.local_ip, PS_CLIENT, get_secrets(names, 403), gap_ms=(500, 3000))
        t += 2 * MINUTE


def kv05_firewall_open(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, vault = w.person("engineering", 15), w.vaults["kv-prod-ai"]
    if ctx.contains(a):
        vault_patch(ctx, a, vault, who, OPENER_IP, default_action="Allow", rbac=False)
        body = {
            "properties": {
                "enableRbacAuthorization": False,
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "bypass": "AzureServices"},
            }
        }
        arm(
            ctx,
            a + 2 * US,
            who,
            OPENER_IP,
            "Microsoft.KeyVault/vaults/write",
            vault.resource_id,
            request=body,
            response=body,
        )


def kv06_self_grant_policy(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, vault = w.person("engineering", 15), w.vaults["kv-prod-ai"]
    if ctx.contains(a):
        body = {
            "properties": {
                "accessPolicies": [
                    {"tenantId": w.tenant_id, "objectId": who.object_id, "permissions": {"secrets": ["get", "list"]}}
                ]
            }
        }
        arm(
            ctx,
            a,
            who,
            OPENER_IP,
            "Microsoft.KeyVault/vaults/accessPolicies/write",
            f"{vault.resource_id}/accessPolicies/add",
            request=body,
            response=body,
        )
    t = a + 4 * MINUTE
    if ctx.contains(t):
        session(ctx, t, vault, who, OPENER_IP, CLI_CLIENT, [KvOp("SecretList"), *get_secrets(vault.secrets)])


def kv07_self_grant_role(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, vault = w.person("hr", 3), w.vaults["kv-prod-apps"]
    if ctx.contains(a):
        role_assignment(ctx, a, who, who.ip or "", vault.resource_id, who, "Key Vault Secrets Officer")


def kv08_backups(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, vault = w.person("operations", 8), w.vaults["kv-prod-apps"]
    if ctx.contains(a):
        ops = [KvOp("SecretBackup", n) for n in vault.secrets[:25]]
        ops += [KvOp("KeyBackup", n) for n in vault.keys] + [KvOp("CertificateBackup", n) for n in vault.certificates]
        session(ctx, a, vault, who, who.device.local_ip, PS_CLIENT, ops, gap_ms=(300, 2000))


def kv09_delete_purge(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, sandbox = w.person("engineering", 17), w.vaults["kv-dev-sandbox"]
    if ctx.contains(a):
        ops = [KvOp("SecretDelete", n) for n in sandbox.secrets] + [KvOp("SecretPurge", n) for n in sandbox.secrets]
        session(ctx, a, sandbox, who, WIPER_IP, CLI_CLIENT, ops)
    t = a + 8 * MINUTE
    if ctx.contains(t):
        team = w.vaults["kv-team-analytics"]
        t = arm(ctx, t, who, WIPER_IP, "Microsoft.KeyVault/vaults/delete", team.resource_id)
        location = f"/subscriptions/{team.subscription}/providers/Microsoft.KeyVault/locations/westeurope"
        deleted = f"{location}/deletedVaults/{team.name}"
        arm(ctx, t + 3 * MINUTE, who, WIPER_IP, "Microsoft.KeyVault/locations/deletedVaults/purge/action", deleted)


def kv10_human_reads_ai_key(ctx: Ctx, a: int, b: int) -> None:
    """Step 1 of CR-01: a person reads the secret only the CSI driver's identity normally reads."""
    w = ctx.world
    who = w.person("engineering", 19)
    if ctx.contains(a):
        session(
            ctx, a, w.vaults["kv-prod-ai"], who, who.device.local_ip, CLI_CLIENT, get_secrets(("aoai-prod-swc-key1",))
        )


def kvb1_role_propagation(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    admin, mi, vault = w.dept("platform")[1], w.app("mi-contact-center-v2"), w.vaults["kv-prod-apps"]
    if ctx.contains(a):
        role_assignment(ctx, a, admin, admin.ip or "", vault.resource_id, mi, "Key Vault Secrets User")
    t = a + MINUTE
    while t < a + 5 * MINUTE:
        if ctx.contains(t):
            session(ctx, t, vault, mi, "10.41.0.7", CI_CLIENT, [KvOp("SecretGet", "api-token-6", 403, DENIED)])
        t += 20 * US
    if ctx.contains(a + 6 * MINUTE):
        session(ctx, a + 6 * MINUTE, vault, mi, "10.41.0.7", CI_CLIENT, get_secrets(("api-token-6", "webhook-6")))


def kvb2_new_cluster(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    mi = w.app("mi-aks-csi-prod2")
    apps, ai = w.vaults["kv-prod-apps"], w.vaults["kv-prod-ai"]
    if ctx.contains(a):
        t = session(ctx, a, apps, mi, "10.20.2.4", CSI_CLIENT, get_secrets(apps.secrets[24:52]))
        session(
            ctx, t + MINUTE, ai, mi, "10.20.2.5", CSI_CLIENT, get_secrets(("aoai-prod-eus-key1", "search-admin-key"))
        )


EPISODES = (
    Episode(
        "KV-01",
        FAMILY,
        ("T1555.006",),
        (3, "19:20"),
        (3, "19:45"),
        ("AZKVAuditLogs",),
        "mass secret retrieval against the identity's own baseline",
        L.person("support", 12),
        lambda w: (
            f"{w.person('support', 12).upn} lists kv-prod-apps and reads all 60 secrets in one evening session "
            "over the VPN."
        ),
        kv01_mass_read,
    ),
    Episode(
        "KV-02",
        FAMILY,
        ("T1555.006", "T1580"),
        (4, "02:00"),
        (4, "02:55"),
        ("AZKVAuditLogs", "AzureDiagnostics"),
        "one principal touching many vaults (resource-specific and legacy logs)",
        L.app("sp-reporting-etl"),
        lambda w: (
            "The reporting ETL principal (normally two secrets in one vault a day) lists and reads secrets in "
            "nine vaults, three of them logging to legacy AzureDiagnostics."
        ),
        kv02_many_vaults,
    ),
    Episode(
        "KV-03",
        FAMILY,
        ("T1078.004", "T1555.006"),
        (2, "23:10"),
        (2, "23:20"),
        ("AZKVAuditLogs",),
        "access from a new IP / the public network where a private endpoint is expected",
        L.ip(CI_THIEF_IP),
        lambda w: (
            f"The CI pipeline's credentials are used from {CI_THIEF_IP}: all dev-sandbox secrets are read, "
            "the private CI vault refuses the address."
        ),
        kv03_new_ip,
        related=L.related(L.app("sp-ci-pipeline")),
    ),
    Episode(
        "KV-04",
        FAMILY,
        ("T1555.006",),
        (5, "14:00"),
        (5, "14:12"),
        ("AZKVAuditLogs",),
        "403 burst (no recent role assignment to explain it)",
        L.person("sales", 9),
        lambda w: (
            f"{w.person('sales', 9).upn} is refused 75 times in 10 minutes reading AI service keys on a Saturday."
        ),
        kv04_403_burst,
    ),
    Episode(
        "KV-05",
        FAMILY,
        ("T1562.007",),
        (4, "23:40"),
        (4, "23:42"),
        ("AZKVAuditLogs", "AzureActivity"),
        "vault firewall opened and RBAC authorisation switched off",
        L.person("engineering", 15),
        lambda w: (
            f"{w.person('engineering', 15).upn}'s session from {OPENER_IP} sets kv-prod-ai's network default "
            "action to Allow and switches it to access policies."
        ),
        kv05_firewall_open,
        related=L.related(L.ip(OPENER_IP)),
    ),
    Episode(
        "KV-06",
        FAMILY,
        ("T1098", "T1555.006"),
        (4, "23:46"),
        (4, "23:55"),
        ("AzureActivity", "AZKVAuditLogs"),
        "an identity granting itself access (access policy), then reading",
        L.person("engineering", 15),
        lambda w: (
            "Right after KV-05 the same person adds an access policy for their own object id and reads every "
            "AI key from the now-public vault."
        ),
        kv06_self_grant_policy,
        related=L.related(L.ip(OPENER_IP)),
    ),
    Episode(
        "KV-07",
        FAMILY,
        ("T1098.003",),
        (2, "12:30"),
        (2, "12:35"),
        ("AzureActivity",),
        "an identity granting itself a Key Vault data-plane role",
        L.person("hr", 3),
        lambda w: f"{w.person('hr', 3).upn} assigns themself 'Key Vault Secrets Officer' on kv-prod-apps.",
        kv07_self_grant_role,
    ),
    Episode(
        "KV-08",
        FAMILY,
        ("T1555.006", "T1005"),
        (3, "22:15"),
        (3, "22:30"),
        ("AZKVAuditLogs",),
        "secret/key/certificate backup operations",
        L.person("operations", 8),
        lambda w: (
            f"{w.person('operations', 8).upn} backs up 25 secrets, both keys and the TLS certificate of "
            "kv-prod-apps late in the evening."
        ),
        kv08_backups,
    ),
    Episode(
        "KV-09",
        FAMILY,
        ("T1485", "T1490"),
        (6, "05:00"),
        (6, "05:20"),
        ("AZKVAuditLogs", "AzureActivity"),
        "delete and purge spike (secrets and a whole vault)",
        L.person("engineering", 17),
        lambda w: (
            f"From {WIPER_IP}, {w.person('engineering', 17).upn}'s session deletes and purges every dev-sandbox "
            "secret, then deletes and purges the kv-team-analytics vault."
        ),
        kv09_delete_purge,
        related=L.related(L.ip(WIPER_IP)),
    ),
    Episode(
        "KV-10",
        FAMILY,
        ("T1555.006",),
        (3, "14:05"),
        (3, "14:07"),
        ("AZKVAuditLogs",),
        "a human reading the secret that holds an AI service key",
        L.person("engineering", 19),
        lambda w: (
            f"{w.person('engineering', 19).upn} reads aoai-prod-swc-key1, normally read only by the AKS CSI "
            "driver's identity."
        ),
        kv10_human_reads_ai_key,
        chain="CR-01",
    ),
    Episode(
        "KV-B1",
        FAMILY,
        ("T1555.006",),
        (2, "09:30"),
        (2, "09:40"),
        ("AzureActivity", "AZKVAuditLogs"),
        "benign: 403s for a few minutes right after a role assignment (role propagation)",
        L.app("mi-contact-center-v2"),
        lambda w: (
            "A new app slot's identity is refused until its fresh 'Key Vault Secrets User' assignment propagates."
        ),
        kvb1_role_propagation,
        benign=True,
    ),
    Episode(
        "KV-B2",
        FAMILY,
        ("T1555.006",),
        (5, "02:10"),
        (5, "02:40"),
        ("AZKVAuditLogs",),
        "benign: a new cluster's CSI driver (listed poller) reads 30 secrets, an AI key among them, for the first time",
        L.app("mi-aks-csi-prod2"),
        lambda w: "Maintenance: aks-prod-02 goes live and its secrets-store identity mounts its secrets.",
        kvb2_new_cluster,
        benign=True,
    ),
)
