"""Benign control-plane and directory activity: routine ARM writes, portal key views, onboarding, rotations.

Saturday 01:00-05:00 UTC is the platform team's maintenance window; the capacity and deployment changes
made in it are labelled as a benign episode (QA-B1) so precision can be judged on them.
"""

from __future__ import annotations

from .context import Ctx
from .emit_admin import arm, credential_added, role_assignment
from .emit_ai import aoai_listkey_audit
from .registry import Actor
from .timeutil import DAY, HOUR, MINUTE, US, at, office, weekday
from .world import AKS_EGRESS

ROUTINE = (
    ("Microsoft.Storage/storageAccounts/write", "Microsoft.Storage/storageAccounts", "stcontosodata{n}"),
    ("Microsoft.Web/sites/write", "Microsoft.Web/sites", "app-internal-{n}"),
    ("Microsoft.Compute/virtualMachines/write", "Microsoft.Compute/virtualMachines", "vm-tools-{n}"),
    ("Microsoft.KeyVault/vaults/secrets/write", "Microsoft.KeyVault/vaults", "kv-prod-apps/secrets/api-token-{n}"),
    ("Microsoft.Resources/deployments/validate/action", "Microsoft.Resources/deployments", "release-{n}"),
)


def routine_changes(ctx: Ctx) -> None:
    """The platform team and its Terraform principal change ordinary resources in office hours."""
    w = ctx.world
    iac, admins = w.app("sp-platform-iac"), w.dept("platform")
    for t in ctx.arrivals(6 * office(ctx.start)):
        op, kind, name = ROUTINE[ctx.rng.randrange(len(ROUTINE))]
        who = iac if ctx.chance(0.6) else admins[ctx.rng.randrange(len(admins))]
        ip = AKS_EGRESS if who is iac else who.ip
        rid = w.rid(kind, name.format(n=ctx.rng.randint(1, 9)))
        response = (
            {"properties": {"hardwareProfile": {"vmSize": "Standard_D4s_v5"}}} if "virtualMachines" in op else None
        )
        arm(ctx, t, who, ip, op, rid, response=response)


def portal_key_views(ctx: Ctx) -> None:
    """Engineers open "Keys and Endpoint" on the dev account in the portal (listKeys), a few times a day."""
    w = ctx.world
    dev = w.accounts["dev"]
    day = (ctx.start - w.start) // DAY
    engineers = [p for p in w.dept("engineering") if p.employed(day)]
    for t in ctx.arrivals(0.4 * office(ctx.start)):
        person = engineers[ctx.rng.randrange(len(engineers))]
        arm(ctx, t, person, person.ip, "Microsoft.CognitiveServices/accounts/listKeys/action", dev.resource_id)
        aoai_listkey_audit(ctx, t + US, dev, person.object_id, person.ip)


def onboarding(ctx: Ctx) -> None:
    """New hires start on Wednesday: the platform team grants engineers and data scientists the data-plane
    role on the dev account (they then use it) — a benign "role granted to a new principal, then used"."""
    w = ctx.world
    admin = w.dept("platform")[1]
    t = at(w.start, 2, "08:40")
    if not ctx.contains(t):
        return
    for person in w.new_hires():
        if person.dept in ("engineering", "datascience"):
            t = role_assignment(
                ctx, t, admin, admin.ip, w.accounts["dev"].resource_id, person, "Cognitive Services OpenAI User"
            )
            t += ctx.rng.randint(30, 120) * US


def credential_rotation(ctx: Ctx) -> None:
    """App owners add client secrets to their app registrations about once a working day."""
    w = ctx.world
    if weekday(ctx.start) >= 5 or not ctx.chance(0.11 * office(ctx.start)):
        return
    owners = w.dept("engineering", include_new=False)
    target = w.app(ctx.rng.choice(("mi-team-analytics", "sp-analytics-etl", "sp-qa-automation", "sp-app-marketing")))
    owner = owners[ctx.rng.randrange(len(owners))]
    t = ctx.start + ctx.rng.randrange(HOUR)
    credential_added(ctx, t, owner, owner.ip, target, f"rotation-{ctx.rng.randint(100, 999)}")


def maintenance_extras(ctx: Ctx) -> None:
    """Saturday maintenance besides the labelled changes: node-pool upgrade and vault tag updates by Terraform."""
    w = ctx.world
    t0 = at(w.start, 5, "01:05")
    iac = w.app("sp-platform-iac")
    for i, (op, rid, resp) in enumerate(
        (
            (
                "Microsoft.ContainerService/managedClusters/agentPools/write",
                w.rid("Microsoft.ContainerService/managedClusters", "aks-prod-01/agentPools/userpool1"),
                {"properties": {"vmSize": "Standard_D8s_v5", "count": 6, "orchestratorVersion": "1.30.5"}},
            ),
            ("Microsoft.KeyVault/vaults/write", w.vaults["kv-prod-apps"].resource_id, {"tags": {"owner": "platform"}}),
            (
                "Microsoft.KeyVault/vaults/write",
                w.vaults["kv-platform-ci"].resource_id,
                {"tags": {"owner": "platform"}},
            ),
        )
    ):
        t = t0 + i * 11 * MINUTE
        if ctx.contains(t):
            arm(ctx, t, iac, AKS_EGRESS, op, rid, response=resp, status_code="Accepted" if "agentPools" in op else "OK")


ACTORS = (
    Actor(
        "routine-changes",
        routine_changes,
        ("AzureActivity",),
        "Terraform principal and platform admins change storage, web apps, VMs and vault secrets in office hours",
        "any control-plane write",
    ),
    Actor(
        "portal-key-views",
        portal_key_views,
        ("AzureActivity", "AzureDiagnostics"),
        "engineers view the dev account's keys in the portal (listKeys + Audit ListKey)",
        "listKeys by a person",
    ),
    Actor(
        "onboarding",
        onboarding,
        ("AzureActivity",),
        "Wednesday 08:40: platform grants new engineers the Azure "
        "OpenAI data-plane role on the dev account; they use it the same day",
        "role granted to a new principal, then used",
    ),
    Actor(
        "credential-rotation",
        credential_rotation,
        ("AuditLogs",),
        "app owners add client secrets to app registrations about once a working day",
        "service-principal credential added",
    ),
    Actor(
        "maintenance-extras",
        maintenance_extras,
        ("AzureActivity",),
        "Saturday maintenance: node-pool upgrade (non-GPU) and vault tag updates by Terraform",
        "AKS agent-pool write, vault write at night",
    ),
)
