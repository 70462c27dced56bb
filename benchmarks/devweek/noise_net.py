"""Benign egress and file activity: browsing, sanctioned and personal GenAI use, uploads, server egress.

The point is that every exfiltration rule has a look-alike here: developers upload tens of MB a day to
the sanctioned GitHub Copilot; people paste into ChatGPT now and then; finance downloads sensitive files
every day; build agents fetch models from Hugging Face (a GenAI domain) and call Contoso's own Azure
OpenAI endpoints; new hires show up on Wednesday with no history.
"""

from __future__ import annotations

import zlib

from .context import Ctx
from .emit_net import endpoint, file_download, firewall, proxy
from .genai import BLOCKED
from .names import BROWSING, FILE_EXTENSIONS, FILE_STEMS, ONEDRIVE_HOST, SHAREPOINT_HOST, SHAREPOINT_SITES
from .registry import Actor
from .timeutil import DAY, office, round_the_clock
from .world import Principal

KB, MB = 1024, 1024 * 1024
PERSONAL_GENAI = ("chatgpt.com", "claude.ai", "gemini.google.com", "perplexity.ai", "chat.mistral.ai")
DEPT_SITES = {
    "engineering": "Engineering",
    "datascience": "Engineering",
    "finance": "Finance-Restricted",
    "corpdev": "MA-ProjectAtlas",
    "legal": "Legal-Contracts",
    "hr": "HR-Policies",
    "sales": "Sales",
    "support": "Support-KB",
    "operations": "Operations",
    "platform": "Engineering",
}


def _active(ctx: Ctx) -> list[Principal]:
    day = (ctx.start - ctx.world.start) // DAY
    return [p for p in ctx.world.people if p.employed(day)]


def _bucket(p: Principal, salt: str) -> int:
    """A stable 0-99 bucket per person (who uses what does not change from hour to hour)."""
    return zlib.crc32(f"{salt}/{p.key}".encode()) % 100


def browsing(ctx: Ctx) -> None:
    busy = office(ctx.start)
    rng = ctx.rng
    for person in _active(ctx):
        for t in ctx.arrivals(3 * busy):
            host, category, received, kb_sent = BROWSING[rng.randrange(len(BROWSING))]
            method = "POST" if rng.random() < 0.2 else "GET"
            sent = int(kb_sent * KB * rng.uniform(0.3, 2.5))
            proxy(
                ctx,
                t,
                person,
                host,
                "/",
                method=method,
                sent=sent,
                received=int(received * rng.uniform(0.2, 3)),
                category=category,
            )
            if rng.random() < 0.4:
                endpoint(ctx, t + 1000, person.device, "msedge.exe", host, account=person)


def sanctioned_genai(ctx: Ctx) -> None:
    busy = office(ctx.start)
    rng = ctx.rng
    for person in _active(ctx):
        if _bucket(person, "copilot") < 60:
            for t in ctx.arrivals(0.8 * busy):
                sent = int(rng.uniform(2, 60) * KB) if rng.random() > 0.05 else int(rng.uniform(1, 4) * MB)
                proxy(
                    ctx,
                    t,
                    person,
                    "copilot.microsoft.com",
                    "/c/api/chat",
                    method="POST",
                    sent=sent,
                    received=int(rng.uniform(5, 80) * KB),
                    category="Generative AI",
                )
                endpoint(ctx, t + 800, person.device, "msedge.exe", "copilot.microsoft.com", account=person)
        if person.dept in ("engineering", "datascience"):
            heavy = _bucket(person, "code") < 25
            for t in ctx.arrivals((14 if heavy else 6) * busy):
                sent = int(rng.uniform(40, 400 if heavy else 150) * KB)
                host = "business.githubcopilot.com" if rng.random() < 0.3 else "githubcopilot.com"
                proxy(
                    ctx,
                    t,
                    person,
                    host,
                    "/v1/engines/copilot-codex/completions",
                    method="POST",
                    sent=sent,
                    received=int(rng.uniform(1, 12) * KB),
                    category="Generative AI",
                    user_agent="GitHubCopilotChat/0.22.4",
                )
                endpoint(ctx, t + 500, person.device, "code.exe", host, account=person)


def personal_genai(ctx: Ctx) -> None:
    """One person in five uses a consumer chatbot now and then (small pastes); blocked ones get tried too."""
    busy = office(ctx.start)
    rng = ctx.rng
    for person in _active(ctx):
        if _bucket(person, "personal") >= 20:
            continue
        favourite = PERSONAL_GENAI[_bucket(person, "fav") % len(PERSONAL_GENAI)]
        for t in ctx.arrivals(0.12 * busy):
            host = favourite if rng.random() < 0.8 else rng.choice(PERSONAL_GENAI + tuple(sorted(BLOCKED)))
            action = "Blocked" if host in BLOCKED else "Allowed"
            proxy(
                ctx,
                t,
                person,
                host,
                "/backend-api/conversation",
                method="POST",
                sent=int(rng.uniform(1, 40) * KB),
                received=int(rng.uniform(3, 60) * KB),
                category="Generative AI",
                action=action,
            )
            if action == "Allowed":
                endpoint(ctx, t + 700, person.device, "msedge.exe", host, account=person)


def developer_endpoints(ctx: Ctx) -> None:
    """Developers' scripts call Contoso's APIM gateway and dev Azure OpenAI account directly (sanctioned paths),
    and the joint project's partner endpoint (in the inventory)."""
    w = ctx.world
    busy = office(ctx.start)
    rng = ctx.rng
    hosts = (w.apim_host, w.accounts["dev"].host, w.accounts["dev"].host, "fabrikam-shared-aoai.openai.azure.com")
    for person in (p for p in _active(ctx) if p.dept in ("engineering", "datascience")):
        for t in ctx.arrivals(1.5 * busy):
            host = hosts[rng.randrange(len(hosts))]
            proxy(
                ctx,
                t,
                person,
                host,
                "/openai/deployments/gpt-4o-mini/chat/completions",
                method="POST",
                sent=int(rng.uniform(1, 30) * KB),
                received=int(rng.uniform(1, 8) * KB),
                category="Generative AI",
                user_agent="python-httpx/0.27.2",
            )
            endpoint(
                ctx,
                t + 600,
                person.device,
                "python.exe",
                host,
                account=person,
                command_line="python.exe scripts\\eval_prompts.py",
            )


def uploads(ctx: Ctx) -> None:
    """Large uploads that are not GenAI: SharePoint/OneDrive sync and a partner file-sharing site."""
    busy = office(ctx.start)
    rng = ctx.rng
    people = _active(ctx)
    for t in ctx.arrivals(3 * busy):
        person = people[rng.randrange(len(people))]
        host = rng.choice((SHAREPOINT_HOST, ONEDRIVE_HOST, ONEDRIVE_HOST, "files.wingtip.example"))
        proxy(
            ctx,
            t,
            person,
            host,
            "/upload",
            method="POST",
            sent=int(rng.uniform(5, 120) * MB),
            received=4 * KB,
            category="Online Storage" if "sharepoint" in host else "File Sharing",
        )
        endpoint(
            ctx, t + 900, person.device, "onedrive.exe" if "sharepoint" in host else "msedge.exe", host, account=person
        )


def server_egress(ctx: Ctx) -> None:
    """AKS nodes and build agents through Azure Firewall; build agents also report to Defender for Endpoint."""
    w = ctx.world
    rng = ctx.rng
    aks_deps = (
        "mcr.microsoft.com",
        "contosoexampleprod.blob.core.windows.net",
        "login.microsoftonline.com",
        w.accounts["prod-swc"].host,
        w.apim_host,
        "pypi.org",
    )
    nodes = w.aks_nodes["aks-prod-01"]
    for t in ctx.arrivals(40 * round_the_clock(ctx.start)):
        firewall(ctx, t, nodes[rng.randrange(len(nodes))], aks_deps[rng.randrange(len(aks_deps))])
    build_deps = (
        ("github.com", "git"),
        ("api.nuget.org", "dotnet"),
        ("pypi.org", "python3"),
        ("registry.npmjs.org", "node"),
        ("huggingface.co", "python3"),
        (w.accounts["dev"].host, "python3"),
        (w.apim_host, "curl"),
    )
    for t in ctx.arrivals(30 * office(ctx.start) + 2):
        agent = w.build_agents[rng.randrange(len(w.build_agents))]
        host, process = build_deps[rng.randrange(len(build_deps))]
        firewall(ctx, t, agent.local_ip, host, collection="build-egress", rule="allow-build-dependencies")
        endpoint(ctx, t + 300, agent, process, host, command_line=f"{process} (pipeline job)")


def file_downloads(ctx: Ctx) -> None:
    """Everyone downloads from their department's site; finance, M&A and legal from sensitive sites daily."""
    busy = office(ctx.start)
    rng = ctx.rng
    sites = [s for s, _ in SHAREPOINT_SITES]
    for person in _active(ctx):
        home = DEPT_SITES.get(person.dept or "", "Operations")
        for t in ctx.arrivals(0.5 * busy):
            site = home if rng.random() < 0.8 else sites[rng.randrange(len(sites) - 3)]
            name = f"{rng.choice(FILE_STEMS)} v{rng.randint(1, 9)}.{rng.choice(FILE_EXTENSIONS)}"
            file_download(ctx, t, person, site, name, onedrive=rng.random() < 0.15)


ACTORS = (
    Actor(
        "browsing",
        browsing,
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "everyone browses ordinary sites in office hours (proxy; 40% also seen by Defender for Endpoint)",
        "volume baselines",
    ),
    Actor(
        "sanctioned-genai",
        sanctioned_genai,
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "60% of staff use the "
        "sanctioned Microsoft Copilot; engineers' VS Code sends tens of MB a day to GitHub Copilot",
        "upload volume to GenAI (if sanctioned services are not excluded)",
    ),
    Actor(
        "personal-genai",
        personal_genai,
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "one person in five pastes small texts into a consumer chatbot now and then; blocked services get tried",
        "any unsanctioned GenAI use",
    ),
    Actor(
        "developer-endpoints",
        developer_endpoints,
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "developers' "
        "python.exe calls Contoso's APIM gateway, its dev Azure OpenAI account and the partner's shared endpoint",
        "python.exe talking to an LLM API; *.openai.azure.com egress",
    ),
    Actor(
        "uploads",
        uploads,
        ("CommonSecurityLog", "DeviceNetworkEvents"),
        "large uploads to SharePoint/OneDrive and a partner file-sharing site",
        "upload volume (if not restricted to GenAI)",
    ),
    Actor(
        "server-egress",
        server_egress,
        ("AZFWApplicationRule", "DeviceNetworkEvents"),
        "AKS nodes and build agents "
        "reach registries, storage, Contoso's AOAI/APIM endpoints; build agents download models from huggingface.co",
        "GenAI egress from servers (huggingface.co, own endpoints)",
    ),
    Actor(
        "file-downloads",
        file_downloads,
        ("OfficeActivity",),
        "everyone downloads from their site; finance, M&A and legal download sensitive files daily",
        "sensitive download (without the GenAI upload)",
    ),
)
