"""Episodes: GenAI quota and capacity abuse (issue 8), plus two benign near-misses.

Each `run(ctx, a, b)` writes the episode's rows that fall in the current period ∩ [a, b).
"""

from __future__ import annotations

from dataclasses import replace

from . import labels as L
from .context import Ctx
from .emit_admin import arm, defender_ai_alert, role_assignment
from .registry import Episode
from .timeutil import MINUTE
from .traffic import chat, direct, via_apim
from .world import AKS_EGRESS, AiAccount, Deployment

FAMILY = "genai-quota-abuse"
WALLET_IP = "192.0.2.41"
CONTRACTOR_IP = "198.51.100.201"
GPU_IP = "192.0.2.33"
DS_IP = "192.0.2.77"


def _with(acct: AiAccount, *deps: Deployment) -> AiAccount:
    return replace(acct, deployments=acct.deployments + deps)


def qa01_wallet(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus, swc = w.accounts["prod-eus"], w.accounts["prod-swc"]
    for t in ctx.arrivals(250, a, b):
        call = chat(ctx, eus, "gpt-4o", prompt=(5000, 7000), completion=(3000, 4000))
        via_apim(
            ctx,
            t,
            w.apim_subs["hr-chatbot"],
            call,
            p429=0.1,
            spill=swc,
            ip=WALLET_IP,
            user_agent="python-requests/2.32.3",
        )
    if ctx.contains(a + 130 * MINUTE):
        defender_ai_alert(
            ctx,
            a + 130 * MINUTE,
            "AI.Azure_DOWVolumeAnomaly",
            "Suspected wallet attack - volume anomaly",
            "Medium",
            eus.resource_id,
            ip=WALLET_IP,
            tactics="Impact",
        )


def qa02_429_spike(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus, mi = w.accounts["prod-eus"], w.app("mi-app-reporting").object_id
    for t in ctx.arrivals(600, a, b):
        direct(ctx, t, chat(ctx, eus, "gpt-4o", prompt=(3000, 6000)), mi, "203.0.113.11", p429=0.55, retries=2)


def qa03_capacity(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who = w.person("operations", 3)
    eus = w.accounts["prod-eus"]
    new = Deployment("gpt-4o-batch2", "gpt-4o", "2024-11-20", "GlobalStandard", 1000)
    if ctx.contains(a):
        body = {
            "sku": {"name": "GlobalStandard", "capacity": 1000},
            "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}},
        }
        t = arm(
            ctx,
            a,
            who,
            CONTRACTOR_IP,
            "Microsoft.CognitiveServices/accounts/deployments/write",
            f"{eus.resource_id}/deployments/gpt-4o-batch2",
            request=body,
            response=body,
            status_code="Created",
        )
        raise_ = {
            "sku": {"name": "GlobalStandard", "capacity": 900},
            "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}},
        }
        arm(
            ctx,
            t + 5 * MINUTE,
            who,
            CONTRACTOR_IP,
            "Microsoft.CognitiveServices/accounts/deployments/write",
            f"{eus.resource_id}/deployments/gpt-4o",
            request=raise_,
            response=raise_,
        )
    for t in ctx.arrivals(300, a + 13 * MINUTE, b):
        call = chat(ctx, _with(eus, new), "gpt-4o-batch2", prompt=(2000, 5000), completion=(500, 2000))
        direct(ctx, t, call, who.object_id, CONTRACTOR_IP)


def qa04_high_cost_model(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus = w.accounts["prod-eus"]
    for t in ctx.arrivals(75, a, b):
        call = chat(ctx, eus, "o1", prompt=(800, 2000), completion=(2000, 6000))
        via_apim(ctx, t, w.apim_subs["marketing-copy"], call)


def qa05_gpu_pool(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    sp = w.app("sp-aks-deployer")
    for i, (cluster, pool, size, count) in enumerate(
        (
            ("aks-prod-01", "gpupool", "Standard_ND96isr_H100_v5", 4),
            ("aks-prod-02", "gpupool2", "Standard_NC80adis_H100_v5", 2),
        )
    ):
        t = a + i * 4 * MINUTE
        if ctx.contains(t):
            body = {"properties": {"vmSize": size, "count": count, "mode": "User", "osType": "Linux"}}
            rid = w.rid("Microsoft.ContainerService/managedClusters", f"{cluster}/agentPools/{pool}")
            arm(
                ctx,
                t,
                sp,
                GPU_IP,
                "Microsoft.ContainerService/managedClusters/agentPools/write",
                rid,
                request=body,
                response=body,
                status_code="Accepted",
            )


def qa06_ml_gpu(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who = w.person("datascience", 2)
    for i, (name, size) in enumerate(
        (("ci-train-7", "Standard_NC96ads_A100_v4"), ("cc-gpu-burst", "Standard_ND96asr_v4"))
    ):
        t = a + i * 6 * MINUTE
        if ctx.contains(t):
            body = {
                "properties": {
                    "computeType": "ComputeInstance" if i == 0 else "AmlCompute",
                    "properties": {"vmSize": size, "scaleSettings": {"maxNodeCount": 8}},
                }
            }
            rid = w.rid(
                "Microsoft.MachineLearningServices/workspaces", f"mlw-research/computes/{name}", sub="data", rg="rg-ml"
            )
            arm(
                ctx,
                t,
                who,
                DS_IP,
                "Microsoft.MachineLearningServices/workspaces/computes/write",
                rid,
                request=body,
                response=body,
                status_code="Created",
            )


def qab1_maintenance(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    admin, iac = w.dept("platform")[0], w.app("sp-platform-iac")
    eus, swc = w.accounts["prod-eus"], w.accounts["prod-swc"]
    ptu = {
        "sku": {"name": "ProvisionedManaged", "capacity": 150},
        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}},
    }
    mini2 = {
        "sku": {"name": "Standard", "capacity": 300},
        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o-mini", "version": "2024-07-18"}},
    }
    steps = (
        (
            a,
            admin,
            "Microsoft.CognitiveServices/accounts/deployments/write",
            f"{eus.resource_id}/deployments/gpt-4o-ptu",
            ptu,
        ),
        (
            a + 20 * MINUTE,
            iac,
            "Microsoft.CognitiveServices/accounts/deployments/write",
            f"{swc.resource_id}/deployments/gpt-4o-mini-2",
            mini2,
        ),
    )
    for t, who, op, rid, body in steps:
        if ctx.contains(t):
            arm(ctx, t, who, admin.ip if who is admin else AKS_EGRESS, op, rid, request=body, response=body)
    t = a + 45 * MINUTE
    if ctx.contains(t):
        role_assignment(
            ctx, t, admin, admin.ip, swc.resource_id, w.app("mi-batch-summariser"), "Cognitive Services OpenAI User"
        )


def qab2_quarter_end(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus, mi = w.accounts["prod-eus"], w.app("mi-batch-summariser").object_id
    for t in ctx.arrivals(1000, a, b):
        direct(
            ctx, t, chat(ctx, eus, "gpt-4o-mini", prompt=(1500, 4000), completion=(150, 400)), mi, AKS_EGRESS, p429=0.35
        )


EPISODES = (
    Episode(
        "QA-01",
        FAMILY,
        ("AML.T0034", "AML.T0034.000", "T1496.004"),
        (3, "01:00"),
        (3, "07:00"),
        ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog", "AzureMetrics", "SecurityAlert"),
        "token consumption far above a caller's own baseline (per APIM subscription)",
        L.apim_sub("hr-chatbot"),
        lambda w: (
            f"Wallet attack: the hr-chatbot APIM key is used from {WALLET_IP} overnight with huge gpt-4o "
            "prompts and completions (~100x its daily tokens); Defender raises a volume anomaly."
        ),
        qa01_wallet,
        related=L.related(L.ip(WALLET_IP)),
    ),
    Episode(
        "QA-02",
        FAMILY,
        ("AML.T0029", "AML.T0034"),
        (2, "13:00"),
        (2, "15:00"),
        ("AzureDiagnostics", "AzureMetrics"),
        "429 spike for a caller that rarely sees them",
        L.app("mi-app-reporting"),
        lambda w: (
            "The reporting service's identity (normally ~10 calls/h, no 429s) hammers gpt-4o: more than half "
            "its requests are throttled for two hours."
        ),
        qa02_429_spike,
    ),
    Episode(
        "QA-03",
        FAMILY,
        ("AML.T0034", "T1496.004"),
        (3, "02:47"),
        (3, "04:00"),
        ("AzureActivity", "AzureDiagnostics"),
        "capacity raised / new deployment by an unusual principal at an unusual time",
        L.person("operations", 3),
        lambda w: (
            f"{w.person('operations', 3).upn} (not on the platform team) creates deployment gpt-4o-batch2 "
            "(1000K TPM) and triples gpt-4o capacity at 02:47 from a home IP, then uses it."
        ),
        qa03_capacity,
        related=L.related(L.ip(CONTRACTOR_IP), L.account("prod-eus")),
    ),
    Episode(
        "QA-04",
        FAMILY,
        ("AML.T0034.001",),
        (4, "10:00"),
        (4, "12:00"),
        ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog"),
        "first use of a high-cost model by a caller",
        L.apim_sub("marketing-copy"),
        lambda w: (
            "The marketing-copy subscription, which only ever used gpt-4o, starts sending long o1 reasoning requests."
        ),
        qa04_high_cost_model,
    ),
    Episode(
        "QA-05",
        FAMILY,
        ("T1496.001", "T1578", "AML.T0034"),
        (5, "23:20"),
        (5, "23:30"),
        ("AzureActivity",),
        "new GPU node pool in AKS",
        L.app("sp-aks-deployer"),
        lambda w: (
            f"The AKS release principal adds H100 GPU node pools to both clusters late on Saturday from {GPU_IP}."
        ),
        qa05_gpu_pool,
        related=L.related(L.ip(GPU_IP)),
    ),
    Episode(
        "QA-06",
        FAMILY,
        ("T1496.001", "T1578.002"),
        (6, "03:05"),
        (6, "03:15"),
        ("AzureActivity",),
        "new GPU compute in Azure ML",
        L.person("datascience", 2),
        lambda w: (
            f"{w.person('datascience', 2).upn}'s account creates an A100 compute instance and an ND96 cluster "
            f"in mlw-research at 03:05 on Sunday from {DS_IP}."
        ),
        qa06_ml_gpu,
        related=L.related(L.ip(DS_IP)),
    ),
    Episode(
        "QA-B1",
        FAMILY,
        ("AML.T0034",),
        (5, "01:30"),
        (5, "02:20"),
        ("AzureActivity",),
        "benign: capacity change and new deployment in the maintenance window by the platform team",
        L.platform_admin(0),
        lambda w: (
            "Announced maintenance: the platform team raises PTU capacity, adds gpt-4o-mini-2 in Sweden "
            "Central and grants the batch identity access there."
        ),
        qab1_maintenance,
        benign=True,
    ),
    Episode(
        "QA-B2",
        FAMILY,
        ("AML.T0034",),
        (4, "01:00"),
        (4, "04:00"),
        ("AzureDiagnostics", "AzureMetrics"),
        "benign: known batch identity at 2.5x its volume with 429 storms",
        L.app("mi-batch-summariser"),
        lambda w: (
            "Quarter-end: the ticket summariser (a known batch identity) processes 2.5x its usual volume and "
            "is throttled heavily."
        ),
        qab2_quarter_end,
        benign=True,
    ),
)
