"""Episodes: cross-family chains (issue 9 correlations) and a benign look-alike.

CR-01 is made of two labelled steps in their own families (KV-10, SK-06: `chain: CR-01`), so family
rules get credit for the steps and correlation rules for the chain. CR-02 and CR-03 write their own rows.
"""

from __future__ import annotations

from . import labels as L
from .context import Ctx
from .emit_admin import credential_added, role_assignment
from .emit_kv import get_secrets, session
from .registry import Episode
from .timeutil import MINUTE
from .traffic import chat, direct, embed

FAMILY = "correlation"
CRED_IP = "192.0.2.150"
SP_USE_IP = "192.0.2.151"
INVITER_IP = "192.0.2.170"


def cr01_steps_only(ctx: Ctx, a: int, b: int) -> None:
    """The rows are written by KV-10 and SK-06."""


def cr02_credential_then_use(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, sp = w.person("support", 20), w.app("sp-data-export")
    if ctx.contains(a):
        credential_added(ctx, a, who, CRED_IP, sp, "backup-export")
    t = a + 28 * MINUTE
    if ctx.contains(t):
        ai = w.vaults["kv-prod-ai"]  # public since KV-05 opened its firewall on Friday night
        session(ctx, t, ai, sp, SP_USE_IP, "python-requests/2.32.3", get_secrets(ai.secrets))
    eus = w.accounts["prod-eus"]
    for t in ctx.arrivals(150, a + 40 * MINUTE, b):
        direct(ctx, t, chat(ctx, eus, "gpt-4o", prompt=(1000, 4000), completion=(300, 1200)), sp.object_id, SP_USE_IP)


def cr03_grant_then_extract(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who, guest, eus = w.person("datascience", 4), w.app("guest-ext07"), w.accounts["prod-eus"]
    if ctx.contains(a):
        role_assignment(ctx, a, who, INVITER_IP, eus.resource_id, guest, "Cognitive Services OpenAI User")
    for t in ctx.arrivals(200, a + 30 * MINUTE, b):
        if ctx.chance(0.5):
            call = embed(ctx, eus, "text-embedding-3-large", inputs=16)
        else:
            call = chat(ctx, eus, "gpt-4o", prompt=(290, 310), completion=(190, 210))
        direct(ctx, t, call, guest.object_id, guest.ip or "")


def crb1_planned_rotation(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    admin = w.dept("platform")[0]
    if ctx.contains(a):
        credential_added(ctx, a, admin, admin.ip or "", w.app("sp-ci-pipeline"), "ci-rotation-2026-q4")


EPISODES = (
    Episode(
        "CR-01",
        FAMILY,
        ("T1555.006", "T1552", "AML.T0012", "AML.T0040"),
        (3, "14:05"),
        (3, "19:50"),
        ("AZKVAuditLogs", "AzureDiagnostics"),
        "Key Vault read of an AI service key, then that key used from a new IP against Azure OpenAI",
        L.person("engineering", 19),
        lambda w: (
            f"KV-10 then SK-06: {w.person('engineering', 19).upn} reads the Sweden Central key from Key Vault; "
            "45 minutes later key-based calls start from 192.0.2.140."
        ),
        cr01_steps_only,
        related=L.related(L.ip("192.0.2.140"), L.account("prod-swc")),
    ),
    Episode(
        "CR-02",
        FAMILY,
        ("T1098.001", "T1555.006", "AML.T0012"),
        (5, "03:12"),
        (5, "06:00"),
        ("AuditLogs", "AZKVAuditLogs", "AzureDiagnostics"),
        "service-principal credential added, then Key Vault and Azure OpenAI use from a new IP",
        L.app("sp-data-export"),
        lambda w: (
            f"{w.person('support', 20).upn}'s session adds a client secret to the data-export principal at "
            f"03:12; from {SP_USE_IP} it reads every AI key and calls gpt-4o."
        ),
        cr02_credential_then_use,
        related=L.related(L.ip(SP_USE_IP), L.person("support", 20)),
    ),
    Episode(
        "CR-03",
        FAMILY,
        ("T1098.003", "AML.T0024.002"),
        (5, "20:00"),
        (6, "08:00"),
        ("AzureActivity", "AzureDiagnostics"),
        "role assignment to a new principal, then extraction-shaped traffic",
        L.app("guest-ext07"),
        lambda w: (
            f"A data scientist's session from {INVITER_IP} grants a guest the Azure OpenAI data-plane role; the "
            "guest runs templated chat and embeddings calls all night."
        ),
        cr03_grant_then_extract,
        related=L.related(L.person("datascience", 4), L.ip(INVITER_IP)),
    ),
    Episode(
        "CR-B1",
        FAMILY,
        ("T1098.001",),
        (5, "01:40"),
        (5, "02:30"),
        ("AuditLogs", "AZKVAuditLogs"),
        "benign: planned credential rotation for the CI principal, used from its usual build agents",
        L.app("sp-ci-pipeline"),
        lambda w: (
            "Maintenance: the platform team rotates the CI principal's secret; the 02:03 nightly run uses it "
            "from the build agents as always."
        ),
        crb1_planned_rotation,
        benign=True,
    ),
)
