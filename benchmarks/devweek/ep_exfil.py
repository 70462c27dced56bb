"""Episodes: insider exfiltration to third-party GenAI (issue 9), plus two benign look-alikes."""

from __future__ import annotations

from . import labels as L
from .context import Ctx
from .emit_net import endpoint, file_download, firewall, proxy
from .registry import Episode
from .timeutil import MINUTE

FAMILY = "genai-exfiltration"
KB, MB = 1024, 1024 * 1024
DROPBOX_AOAI = "fab-gpt-7741.openai.azure.com"


def _uploads(
    ctx: Ctx,
    a: int,
    b: int,
    who,
    host: str,
    path: str,
    count: int,
    size: tuple[float, float],
    process: str = "msedge.exe",
    ua: str | None = None,
) -> None:
    """`count` uploads spread evenly over [a, b) (only those in this period are written)."""
    step = (b - a) // count
    for i in range(count):
        t = a + i * step + ctx.rng.randrange(max(1, step // 3))
        if not ctx.contains(t):
            continue
        kw = {"user_agent": ua} if ua else {}
        proxy(
            ctx,
            t,
            who,
            host,
            path,
            method="POST",
            sent=int(ctx.rng.uniform(*size) * MB),
            received=int(ctx.rng.uniform(5, 40) * KB),
            category="Generative AI",
            **kw,
        )
        endpoint(ctx, t + 600, who.device, process, host, account=who)


def ex01_volume(ctx: Ctx, a: int, b: int) -> None:
    _uploads(ctx, a, b, ctx.world.person("finance", 4), "chatgpt.com", "/backend-api/files", 42, (2.0, 6.5))


def ex02_first_use(ctx: Ctx, a: int, b: int) -> None:
    _uploads(ctx, a, b, ctx.world.person("sales", 7), "chat.deepseek.com", "/api/v0/file/upload_file", 12, (1.5, 4.5))


def ex03_direct_api(ctx: Ctx, a: int, b: int) -> None:
    who = ctx.world.person("engineering", 13)
    for t in ctx.arrivals(100, a, b):
        host = "api.openai.com" if ctx.chance(0.6) else "api.anthropic.com"
        path = "/v1/chat/completions" if host == "api.openai.com" else "/v1/messages"
        proxy(
            ctx,
            t,
            who,
            host,
            path,
            method="POST",
            sent=int(ctx.rng.uniform(5, 50) * KB),
            received=int(ctx.rng.uniform(2, 10) * KB),
            category="Generative AI",
            user_agent="python-httpx/0.27.2",
        )
        endpoint(
            ctx,
            t + 400,
            who.device,
            "python.exe",
            host,
            account=who,
            command_line="python.exe C:\\work\\tools\\summarise_repo.py --all",
        )


def ex04_aks_egress(ctx: Ctx, a: int, b: int) -> None:
    for t in ctx.arrivals(60, a, b):
        if ctx.chance(0.75):
            firewall(ctx, t, "10.20.1.7", "api.openai.com", collection="aks-egress", rule="allow-https-broad")
        else:
            firewall(ctx, t, "10.20.1.7", "openrouter.ai", allowed=False)


def ex05_build_agent(ctx: Ctx, a: int, b: int) -> None:
    agent = ctx.world.build_agents[2]
    for t in ctx.arrivals(90, a, b):
        host = "api.anthropic.com" if ctx.chance(0.7) else "api.mistral.ai"
        firewall(ctx, t, agent.local_ip, host, collection="build-egress", rule="allow-build-broad")
        endpoint(ctx, t + 200, agent, "node", host, command_line="node /tmp/.cache/x/index.js --upload")


def ex06_dropbox_aoai(ctx: Ctx, a: int, b: int) -> None:
    who = ctx.world.person("datascience", 5)
    _uploads(
        ctx,
        a,
        b,
        who,
        DROPBOX_AOAI,
        "/openai/files?api-version=2024-10-21",
        8,
        (9.0, 14.0),
        process="python.exe",
        ua="AzureOpenAI/Python 1.54.4",
    )


def ex07_download_then_upload(ctx: Ctx, a: int, b: int) -> None:
    who = ctx.world.person("corpdev", 1)
    for i, stem in enumerate(
        ("due diligence", "board pack", "pricing model", "customer list", "Q3 forecast", "contract draft")
    ):
        t = a + i * 2 * MINUTE + ctx.rng.randrange(60_000_000)
        if ctx.contains(t):
            file_download(ctx, t, who, "MA-ProjectAtlas", f"Atlas {stem}.{'xlsx' if i % 2 else 'docx'}")
    _uploads(ctx, a + 25 * MINUTE, b, who, "claude.ai", "/api/upload", 9, (3.0, 6.0))


def exb1_sanctioned_after_download(ctx: Ctx, a: int, b: int) -> None:
    who = ctx.world.person("finance", 6)
    if ctx.contains(a):
        file_download(ctx, a, who, "Finance-Restricted", "Q3 forecast v7.xlsx")
    t = a + 20 * MINUTE
    if ctx.contains(t):
        proxy(
            ctx,
            t,
            who,
            "copilot.microsoft.com",
            "/c/api/attachments",
            method="POST",
            sent=8 * MB,
            received=30 * KB,
            category="Generative AI",
        )
        endpoint(ctx, t + 500, who.device, "msedge.exe", "copilot.microsoft.com", account=who)


def exb2_copilot_heavy(ctx: Ctx, a: int, b: int) -> None:
    who = ctx.world.person("engineering", 2)
    _uploads(
        ctx,
        a,
        b,
        who,
        "githubcopilot.com",
        "/v1/engines/copilot-codex/completions",
        120,
        (0.3, 0.7),
        process="code.exe",
        ua="GitHubCopilotChat/0.22.4",
    )


EPISODES = (
    Episode(
        "EX-01",
        FAMILY,
        ("T1567", "AML.T0025"),
        (3, "16:00"),
        (3, "18:10"),
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "upload volume to GenAI far above the user's own baseline (proxy)",
        L.person("finance", 4),
        lambda w: f"{w.person('finance', 4).upn} uploads ~180 MB to chatgpt.com in 42 file uploads in two hours.",
        ex01_volume,
    ),
    Episode(
        "EX-02",
        FAMILY,
        ("T1567",),
        (4, "11:00"),
        (4, "11:40"),
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "first use of an unsanctioned GenAI service",
        L.person("sales", 7),
        lambda w: (
            f"{w.person('sales', 7).upn} uploads ~35 MB to chat.deepseek.com, a service nobody in the "
            "organisation had used."
        ),
        ex02_first_use,
    ),
    Episode(
        "EX-03",
        FAMILY,
        ("T1567", "AML.T0040"),
        (2, "14:00"),
        (2, "17:00"),
        ("DeviceNetworkEvents", "CommonSecurityLog"),
        "direct calls to third-party LLM APIs from a host/process that should use the APIM gateway",
        L.device_of("engineering", 13),
        lambda w: (
            f"python.exe on {w.person('engineering', 13).device.name} calls api.openai.com and "
            "api.anthropic.com directly (~100 calls an hour) instead of Contoso's APIM gateway."
        ),
        ex03_direct_api,
        related=L.related(L.person("engineering", 13)),
    ),
    Episode(
        "EX-04",
        FAMILY,
        ("T1567", "T1071.001"),
        (5, "04:00"),
        (5, "09:00"),
        ("AZFWApplicationRule",),
        "GenAI egress from server workloads (AKS node) that should use private endpoints only",
        L.ip("10.20.1.7"),
        lambda w: (
            "An AKS node reaches api.openai.com through a too-broad firewall rule and tries openrouter.ai "
            "(denied) for five hours early on Saturday."
        ),
        ex04_aks_egress,
    ),
    Episode(
        "EX-05",
        FAMILY,
        ("T1567",),
        (3, "03:00"),
        (3, "03:40"),
        ("DeviceNetworkEvents", "AZFWApplicationRule"),
        "GenAI egress from a build agent",
        lambda w: L.Entity(
            "Host", w.build_agents[2].name, (w.build_agents[2].name.split(".")[0], w.build_agents[2].device_id)
        ),
        lambda w: (
            f"A `node` process on {w.build_agents[2].name} sends data to api.anthropic.com and api.mistral.ai at 03:00."
        ),
        ex05_build_agent,
        related=L.related(L.ip("10.30.0.13")),
    ),
    Episode(
        "EX-06",
        FAMILY,
        ("T1567.002",),
        (6, "15:00"),
        (6, "16:00"),
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "egress to an *.openai.azure.com endpoint that is not in the organisation's inventory",
        L.person("datascience", 5),
        lambda w: (
            f"{w.person('datascience', 5).upn} uploads ~95 MB through the Files API of {DROPBOX_AOAI}, a "
            "personal Azure OpenAI resource, on Sunday."
        ),
        ex06_dropbox_aoai,
        related=lambda w: (
            L.Entity("URL", f"https://{DROPBOX_AOAI}/openai/files?api-version=2024-10-21", (DROPBOX_AOAI,)),
        ),
    ),
    Episode(
        "EX-07",
        FAMILY,
        ("T1213.002", "T1567"),
        (4, "09:10"),
        (4, "10:05"),
        ("OfficeActivity", "CommonSecurityLog", "DeviceNetworkEvents"),
        "sensitive file download followed by a GenAI upload within a short window",
        L.person("corpdev", 1),
        lambda w: (
            f"{w.person('corpdev', 1).upn} downloads six files from the M&A site, then uploads ~40 MB to "
            "claude.ai 25 minutes later."
        ),
        ex07_download_then_upload,
    ),
    Episode(
        "EX-B1",
        FAMILY,
        ("T1567",),
        (3, "10:00"),
        (3, "10:25"),
        ("OfficeActivity", "CommonSecurityLog"),
        "benign: sensitive download followed by an upload to the sanctioned Copilot",
        L.person("finance", 6),
        lambda w: "A finance analyst downloads the forecast and asks the sanctioned Microsoft Copilot about it.",
        exb1_sanctioned_after_download,
        benign=True,
    ),
    Episode(
        "EX-B2",
        FAMILY,
        ("T1567",),
        (4, "13:00"),
        (4, "17:00"),
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "benign: very large upload volume to the sanctioned GitHub Copilot",
        L.person("engineering", 2),
        lambda w: "An engineer's VS Code sends ~60 MB of code context to GitHub Copilot during a refactoring.",
        exb2_copilot_heavy,
        benign=True,
    ),
)
