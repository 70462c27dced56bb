"""Episodes: stolen keys and configuration tampering ("LLMjacking"), plus a benign key rotation."""

from __future__ import annotations

from . import labels as L
from .context import Ctx
from .emit_admin import arm, defender_ai_alert, role_assignment
from .emit_ai import aoai_listkey_audit
from .emit_kv import KvOp, session
from .registry import Episode
from .timeutil import MINUTE, US
from .traffic import chat, direct, via_apim
from .world import AKS_EGRESS

FAMILY = "stolen-keys"
LISTKEYS_IP = "192.0.2.50"
PROBE_IP = "192.0.2.61"
ADMIN_IP = "192.0.2.73"
RAI_IP = "192.0.2.90"
GRANT_IP = "192.0.2.95"
KEY_REUSE_IP = "192.0.2.140"
PROBED = (
    "gpt-4",
    "gpt-4-32k",
    "gpt-4o",
    "gpt-4-turbo",
    "gpt-35-turbo-16k",
    "dall-e-3",
    "claude-3-opus",
    "o1",
    "o1-preview",
    "gpt-4o-2024-08-06",
    "text-davinci-003",
    "gpt-4.1",
    "gpt-5",
    "llama-3-70b",
    "mistral-large",
    "gpt-4o-mini",
    "deepseek-r1",
    "gpt-35-turbo",
)


def sk01_listkeys_then_use(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, dev = w.person("engineering", 9), w.accounts["dev"]
    if ctx.contains(a):
        arm(ctx, a, who, LISTKEYS_IP, "Microsoft.CognitiveServices/accounts/listKeys/action", dev.resource_id)
        aoai_listkey_audit(ctx, a + US, dev, who.object_id, LISTKEYS_IP)
    for t in ctx.arrivals(360, a + 25 * MINUTE, b):
        direct(
            ctx, t, chat(ctx, dev, "gpt-4o", prompt=(1500, 4000), completion=(500, 1500)), "", LISTKEYS_IP, p429=0.05
        )
    if ctx.contains(a + 50 * MINUTE):
        defender_ai_alert(
            ctx,
            a + 50 * MINUTE,
            "AI.Azure_AccessFromSuspiciousIP",
            "Access from a suspicious IP to an Azure AI model deployment",
            "High",
            dev.resource_id,
            ip=LISTKEYS_IP,
        )


def sk02_probe(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    sub, dev = w.apim_subs["dev-playground"], w.accounts["dev"]
    t = a
    if ctx.contains(a):
        for i, name in enumerate(PROBED):
            ua = "python-requests/2.32.3" if i < 9 else "curl/8.5.0"
            status = 200 if dev.deployment(name) else 404
            t = via_apim(
                ctx, t, sub, chat(ctx, dev, name, completion=(5, 30)), ip=PROBE_IP, user_agent=ua, status=status
            )
            t += ctx.rng.randint(2, 15) * US
    for t in ctx.arrivals(200, a + 10 * MINUTE, b):
        via_apim(ctx, t, sub, chat(ctx, dev, "gpt-4o", completion=(300, 1200)), ip=PROBE_IP, user_agent="curl/8.5.0")


def sk03_local_auth(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, eus = w.dept("platform")[2], w.accounts["prod-eus"]
    if ctx.contains(a):
        body = {
            "properties": {
                "disableLocalAuth": False,
                "publicNetworkAccess": "Enabled",
                "networkAcls": {"defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
            }
        }
        arm(
            ctx,
            a,
            who,
            ADMIN_IP,
            "Microsoft.CognitiveServices/accounts/write",
            eus.resource_id,
            request=body,
            response={**body, "kind": "OpenAI", "sku": {"name": "S0"}},
        )
    t = a + 15 * MINUTE
    if ctx.contains(t):
        arm(ctx, t, who, ADMIN_IP, "Microsoft.CognitiveServices/accounts/listKeys/action", eus.resource_id)
        aoai_listkey_audit(ctx, t + US, eus, who.object_id, ADMIN_IP)
    for t in ctx.arrivals(120, a + 25 * MINUTE, b):
        direct(ctx, t, chat(ctx, eus, "gpt-4o", prompt=(1000, 3000), completion=(500, 1500)), "", ADMIN_IP)


def sk04_content_filter(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    sp, eus = w.app("sp-app-marketing"), w.accounts["prod-eus"]
    if ctx.contains(a):
        filters = [
            {"name": n, "severityThreshold": "High", "blocking": False, "enabled": False, "source": src}
            for n in ("Hate", "Sexual", "Violence", "Selfharm")
            for src in ("Prompt", "Completion")
        ]
        filters.append({"name": "Jailbreak", "blocking": False, "enabled": False, "source": "Prompt"})
        body = {"properties": {"basePolicyName": "Microsoft.DefaultV2", "mode": "Default", "contentFilters": filters}}
        t = arm(
            ctx,
            a,
            sp,
            RAI_IP,
            "Microsoft.CognitiveServices/accounts/raiPolicies/write",
            f"{eus.resource_id}/raiPolicies/relaxed",
            request=body,
            response=body,
            status_code="Created",
        )
        dep = {
            "sku": {"name": "GlobalStandard", "capacity": 300},
            "properties": {
                "model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"},
                "raiPolicyName": "relaxed",
            },
        }
        arm(
            ctx,
            t + 3 * MINUTE,
            sp,
            RAI_IP,
            "Microsoft.CognitiveServices/accounts/deployments/write",
            f"{eus.resource_id}/deployments/gpt-4o",
            request=dep,
            response=dep,
        )


def sk05_grant_then_use(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, new, eus = w.person("engineering", 11), w.app("sp-unknown-9f3"), w.accounts["prod-eus"]
    if ctx.contains(a):
        role_assignment(ctx, a, who, GRANT_IP, eus.resource_id, new, "Cognitive Services OpenAI User")
    for t in ctx.arrivals(100, a + 40 * MINUTE, b):
        direct(ctx, t, chat(ctx, eus, "gpt-4o", completion=(300, 1200)), new.object_id, GRANT_IP)


def sk06_key_from_new_ip(ctx: Ctx, a: int, b: int) -> None:
    """Step 2 of CR-01: the key read from Key Vault is used from an address never seen before."""
    swc = ctx.world.accounts["prod-swc"]
    for t in ctx.arrivals(150, a, b):
        direct(
            ctx, t, chat(ctx, swc, "gpt-4o", prompt=(1000, 4000), completion=(400, 1500)), "", KEY_REUSE_IP, p429=0.05
        )


def skb1_rotation(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    iac, swc, ai = w.app("sp-platform-iac"), w.accounts["prod-swc"], w.vaults["kv-prod-ai"]
    if not ctx.contains(a):
        return
    t = arm(
        ctx,
        a,
        iac,
        AKS_EGRESS,
        "Microsoft.CognitiveServices/accounts/regenerateKey/action",
        swc.resource_id,
        request={"keyName": "Key2"},
    )
    t = arm(ctx, t + 20 * US, iac, AKS_EGRESS, "Microsoft.CognitiveServices/accounts/listKeys/action", swc.resource_id)
    aoai_listkey_audit(ctx, t, swc, iac.object_id, AKS_EGRESS)
    session(
        ctx,
        t + 30 * US,
        ai,
        iac,
        "10.30.0.11",
        "terraform-provider-azurerm/4.8.0",
        [KvOp("SecretSet", "aoai-prod-swc-key1"), KvOp("SecretGet", "aoai-prod-swc-key1")],
    )


EPISODES = (
    Episode(
        "SK-01",
        FAMILY,
        ("T1078.004", "AML.T0012", "AML.T0040"),
        (2, "21:40"),
        (3, "04:00"),
        ("AzureActivity", "AzureDiagnostics", "SecurityAlert"),
        "API-key calls from a new IP after listKeys",
        L.account("dev"),
        lambda w: (
            f"{w.person('engineering', 9).upn}'s session lists the dev account's keys from {LISTKEYS_IP}; "
            "25 minutes later key-based (no objectId) gpt-4o calls start from that network and run all night."
        ),
        sk01_listkeys_then_use,
        related=L.related(L.ip(LISTKEYS_IP), L.person("engineering", 9)),
    ),
    Episode(
        "SK-02",
        FAMILY,
        ("AML.T0040", "AML.T0014", "T1078.004"),
        (4, "14:00"),
        (4, "15:30"),
        ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog"),
        "key-based calls with unusual user agents and 404 deployment probing",
        L.ip(PROBE_IP),
        lambda w: (
            f"The dev-playground APIM key is used from {PROBE_IP} with python-requests then curl, probing 18 "
            "deployment names (404s) before settling on gpt-4o."
        ),
        sk02_probe,
        related=L.related(L.apim_sub("dev-playground")),
    ),
    Episode(
        "SK-03",
        FAMILY,
        ("T1562.007", "T1098", "AML.T0012"),
        (3, "01:35"),
        (3, "03:00"),
        ("AzureActivity", "AzureDiagnostics"),
        "local (key) auth re-enabled and public network access opened on an AI account",
        L.platform_admin(2),
        lambda w: (
            f"A platform admin's session (listed in platform_principals, so a principal allowlist alone misses it) "
            f"from {ADMIN_IP} at 01:35 on a Thursday — outside the maintenance window — re-enables key auth and "
            "public access on the production account, lists its keys and uses them."
        ),
        sk03_local_auth,
        related=L.related(L.ip(ADMIN_IP), L.account("prod-eus")),
    ),
    Episode(
        "SK-04",
        FAMILY,
        ("T1562.001", "AML.T0054"),
        (4, "22:10"),
        (4, "22:20"),
        ("AzureActivity",),
        "content-filter (RAI) policy weakened and attached to a deployment",
        L.app("sp-app-marketing"),
        lambda w: (
            "The marketing automation principal creates a RAI policy with every filter off and attaches it "
            "to production gpt-4o at 22:10."
        ),
        sk04_content_filter,
        related=L.related(L.ip(RAI_IP)),
    ),
    Episode(
        "SK-05",
        FAMILY,
        ("T1098.003", "AML.T0012"),
        (5, "10:00"),
        (5, "13:00"),
        ("AzureActivity", "AzureDiagnostics"),
        "data-plane role granted to a new principal, then used",
        L.app("sp-unknown-9f3"),
        lambda w: (
            f"{w.person('engineering', 11).upn}'s session grants 'Cognitive Services OpenAI User' on "
            "production to a never-seen service principal, which calls gpt-4o from the same address."
        ),
        sk05_grant_then_use,
        related=L.related(L.ip(GRANT_IP), L.person("engineering", 11)),
    ),
    Episode(
        "SK-06",
        FAMILY,
        ("T1552", "AML.T0012", "AML.T0040"),
        (3, "14:50"),
        (3, "19:50"),
        ("AzureDiagnostics",),
        "API-key calls from a new network (key taken from Key Vault, no listKeys)",
        L.ip(KEY_REUSE_IP),
        lambda w: (
            "Key-based gpt-4o calls to the Sweden Central account from an address never seen before, 45 "
            "minutes after a person read that account's key from Key Vault (CR-01)."
        ),
        sk06_key_from_new_ip,
        chain="CR-01",
        related=L.related(L.account("prod-swc")),
    ),
    Episode(
        "SK-B1",
        FAMILY,
        ("T1098.001",),
        (5, "02:30"),
        (5, "02:40"),
        ("AzureActivity", "AzureDiagnostics", "AZKVAuditLogs"),
        "benign: planned key rotation (regenerateKey, listKeys, secret update) by the IaC principal",
        L.app("sp-platform-iac"),
        lambda w: (
            "Maintenance: Terraform regenerates Key2 of the Sweden Central account and stores it in Key Vault; "
            "the key-based app keeps calling from its usual address."
        ),
        skb1_rotation,
        benign=True,
    ),
)
