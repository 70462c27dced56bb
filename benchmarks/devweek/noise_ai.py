"""Benign Azure OpenAI traffic: the workloads a naive GenAI rule would alert on all week.

Each actor documents the naive rule it trips; the README repeats it. Rates are requests per hour at
the busiest weekday hour (scaled by the office-hours profile and `--scale`).
"""

from __future__ import annotations

from .context import Ctx
from .emit_admin import defender_ai_alert
from .registry import Actor
from .timeutil import HOUR, MINUTE, hour_of_day, office, round_the_clock, weekday
from .traffic import chat, direct, embed, sandbox_body, via_apim
from .world import AKS_EGRESS, APIM_VIP, APPSERVICE_EGRESS, BUILD_EGRESS

AI_TABLES = ("AzureDiagnostics", "AzureMetrics")
APIM_TABLES = ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog", "AzureDiagnostics", "AzureMetrics")


def rag_indexer(ctx: Ctx) -> None:
    w = ctx.world
    acct, mi = w.accounts["prod-eus"], w.app("mi-rag-indexer").object_id
    crawl = 1 <= hour_of_day(ctx.start) < 4
    for t in ctx.arrivals(350 if crawl else 60):
        direct(ctx, t, embed(ctx, acct, "text-embedding-3-large"), mi, APPSERVICE_EGRESS, p429=0.04 if crawl else 0.002)


def batch_summariser(ctx: Ctx) -> None:
    w = ctx.world
    acct, mi = w.accounts["prod-eus"], w.app("mi-batch-summariser").object_id
    night = _window(ctx, "01:30", "03:30")
    rate = 400 * (0.5 if weekday(ctx.start) >= 5 else 1.0)
    for t in ctx.arrivals(rate, *night):
        direct(
            ctx, t, chat(ctx, acct, "gpt-4o-mini", prompt=(1500, 4000), completion=(150, 400)), mi, AKS_EGRESS, p429=0.3
        )


def apim_applications(ctx: Ctx) -> None:
    w = ctx.world
    eus, swc, dev = w.accounts["prod-eus"], w.accounts["prod-swc"], w.accounts["dev"]
    subs = w.apim_subs
    busy = office(ctx.start)
    for t in ctx.arrivals(140 * busy + 4):
        dep = "gpt-4o" if ctx.chance(0.8) else "gpt-4o-mini"
        call = chat(ctx, eus, dep, prompt=(300, 3000), completion=(80, 900), stream_share=0.7)
        via_apim(ctx, t, subs["corp-assistant"], call, p429=0.06 * busy, spill=swc)
    h = hour_of_day(ctx.start) + (ctx.start % HOUR) / HOUR
    peak = weekday(ctx.start) < 5 and (10 <= h < 11.5 or 14 <= h < 15)
    for t in ctx.arrivals(350 if peak else 100 * busy + 3):
        call = chat(ctx, eus, "gpt-4o-ptu", prompt=(600, 2500), completion=(60, 300), stream_share=0.5)
        via_apim(ctx, t, subs["contact-center"], call, p429=0.22 if peak else 0.01, retries=3)
    for t in ctx.arrivals(25 * busy):
        via_apim(ctx, t, subs["hr-chatbot"], chat(ctx, eus, "gpt-4o-mini", prompt=(400, 1200), completion=(100, 400)))
    for t in ctx.arrivals(12 * busy):
        via_apim(ctx, t, subs["marketing-copy"], chat(ctx, eus, "gpt-4o", prompt=(300, 900), completion=(200, 800)))
    for t in ctx.arrivals(10 * busy):
        dep = ctx.rng.choice(("gpt-4o", "gpt-4o", "gpt-4o-mini", "o1"))
        call = chat(ctx, eus, dep, prompt=(200, 2500), completion=(100, 1200))
        body = sandbox_body(
            call, max_tokens=ctx.rng.choice((400, 800, 1600)), temperature=ctx.rng.choice((0.2, 0.7, 1.0))
        )
        via_apim(ctx, t, subs["research-sandbox"], call, body=body)
    for t in ctx.arrivals(12 * busy):
        via_apim(
            ctx, t, subs["partner-fabrikam"], chat(ctx, eus, "gpt-4o-mini", prompt=(300, 700), completion=(100, 300))
        )
    for t in ctx.arrivals(500, *_window(ctx, "00:30", "01:30")):
        via_apim(
            ctx,
            t,
            subs["batch-docs"],
            chat(ctx, eus, "gpt-4o-mini", prompt=(2000, 6000), completion=(200, 500)),
            p429=0.25,
            spill=swc,
        )
    for t in ctx.arrivals(8 * busy):
        dep = ctx.rng.choice(("gpt-4o-mini", "gpt-35-turbo", "gpt-4o"))
        via_apim(
            ctx,
            t,
            subs["dev-playground"],
            chat(ctx, dev, dep, prompt=(50, 1500), completion=(20, 700), stream_share=0.3),
        )


def developers(ctx: Ctx) -> None:
    """People in engineering and data science calling the dev account with Entra ID or its key."""
    w = ctx.world
    dev = w.accounts["dev"]
    day = (ctx.start - w.start) // (24 * HOUR)
    busy = office(ctx.start)
    for person in w.dept("engineering") + w.dept("datascience"):
        if not person.employed(day):
            continue
        for t in ctx.arrivals(3 * busy):
            key_auth = ctx.chance(0.25)
            dep = ctx.rng.choice(("gpt-4o-mini", "gpt-4o-mini", "gpt-4o", "gpt-35-turbo", "text-embedding-3-small"))
            call = embed(ctx, dev, dep, inputs=2) if dep.startswith("text-") else chat(ctx, dev, dep, stream_share=0.3)
            ip = _travel_ip(ctx, person) or person.ip
            direct(ctx, t, call, "" if key_auth else person.object_id, ip, p429=0.01)


def deployment_trials(ctx: Ctx) -> None:
    """Three developers on Monday/Tuesday try several deployment names once; the typos get 404s."""
    w = ctx.world
    dev = w.accounts["dev"]
    tries = ("gpt4o", "gpt-4o", "gpt-4", "gpt-4o-mini", "gpt-4-turbo", "gpt-35-turbo")
    for i, person in enumerate(w.dept("engineering", include_new=False)[3:6]):
        t = w.start + (i // 2) * 24 * HOUR + (10 + i) * HOUR + 7 * MINUTE
        if not ctx.contains(t):
            continue
        for name in tries[i % 2 : i % 2 + 5]:
            status = 200 if dev.deployment(name) else 404
            t = direct(ctx, t, chat(ctx, dev, name, completion=(20, 80)), person.object_id, person.ip, status=status)
            t += ctx.rng.randint(20, 90) * 1_000_000


def legacy_key_app(ctx: Ctx) -> None:
    """app-legacy-faq still authenticates with an API key (objectId empty) from the AKS egress IP."""
    swc = ctx.world.accounts["prod-swc"]
    for t in ctx.arrivals(20 * round_the_clock(ctx.start)):
        direct(
            ctx, t, chat(ctx, swc, "gpt-4o-mini", prompt=(300, 900), completion=(80, 250)), "", AKS_EGRESS, p429=0.01
        )


def steady_apps(ctx: Ctx) -> None:
    """Baselines the episodes are measured against: reporting (few calls), QA automation, eval harness."""
    w = ctx.world
    eus = w.accounts["prod-eus"]
    for t in ctx.arrivals(10 * office(ctx.start)):
        direct(ctx, t, chat(ctx, eus, "gpt-4o"), w.app("mi-app-reporting").object_id, APPSERVICE_EGRESS)
    for t in ctx.arrivals(25 * office(ctx.start) if weekday(ctx.start) < 5 else 0):
        direct(
            ctx,
            t,
            chat(ctx, eus, "gpt-4o-mini", completion=(50, 200)),
            w.app("sp-qa-automation").object_id,
            BUILD_EGRESS,
        )
    if weekday(ctx.start) in (1, 3):  # evaluation runs on Tuesdays and Thursdays
        for t in ctx.arrivals(300, *_window(ctx, "15:00", "16:00")):
            dep = ctx.rng.choice(("gpt-4o", "o1", "gpt-4o-mini"))
            direct(ctx, t, chat(ctx, eus, dep, completion=(200, 1500)), w.app("mi-eval-harness").object_id, AKS_EGRESS)


def defender_noise(ctx: Ctx) -> None:
    """Content-filter jailbreak blocks by Contoso Assistant users: Defender alerts with no incident behind them."""
    w = ctx.world
    eus = w.accounts["prod-eus"]
    if ctx.chance(0.12 * office(ctx.start)):  # not scaled: alert volume does not grow with traffic
        t = ctx.start + ctx.rng.randrange(HOUR)
        defender_ai_alert(
            ctx,
            t,
            "AI.Azure_Jailbreak.ContentFiltering.BlockedAttempt",
            "A Jailbreak attempt on your Azure AI model deployment was blocked by Azure AI Content Safety",
            "Medium",
            eus.resource_id,
            ip=APIM_VIP,
            tactics="PrivilegeEscalation,DefenseEvasion",
        )


def _window(ctx: Ctx, a: str, b: str) -> tuple[int, int]:
    day0 = ctx.start - ctx.start % (24 * HOUR)
    ha, ma = (int(x) for x in a.split(":"))
    hb, mb = (int(x) for x in b.split(":"))
    return day0 + ha * HOUR + ma * MINUTE, day0 + hb * HOUR + mb * MINUTE


def _travel_ip(ctx: Ctx, person) -> str | None:
    """Remote workers sometimes work from a hotel or co-working space: a new IP, not an attack."""
    w = ctx.world
    if (ctx.start - w.start) // (24 * HOUR) != 3:
        return None
    idx = w.people.index(person)
    if idx % 9 == 0 and person.ip and person.ip.startswith("198.51.100."):
        return f"198.51.100.{200 + idx % 40}"
    return None


ACTORS = (
    Actor(
        "rag-indexer",
        rag_indexer,
        AI_TABLES,
        "mi-rag-indexer embeds the document corpus around the clock, full crawl 01:00-04:00 (some 429s)",
        "embeddings extraction / volume far above peers / any 429",
    ),
    Actor(
        "batch-summariser",
        batch_summariser,
        AI_TABLES,
        "mi-batch-summariser summarises tickets nightly 01:30-03:30 with 429 storms and SDK retries",
        "429 storm, token volume, off-hours activity",
    ),
    Actor(
        "apim-applications",
        apim_applications,
        APIM_TABLES,
        "eight APIM subscriptions: Contoso Assistant (sanctioned, "
        "streaming, spills to Sweden Central on 429), contact-centre on a PTU deployment (429s at 10:00 and 14:00 "
        "peaks), HR bot, marketing, research sandbox (body logging, uses o1), partner Fabrikam, nightly batch-docs, "
        "dev playground",
        "token volume per subscription vs peers, PTU 429s, o1 use, naive sum() over streamed LLM rows",
    ),
    Actor(
        "developers",
        developers,
        AI_TABLES,
        "engineers and data scientists calling the dev account, 25% with its API "
        "key; a few work from a hotel IP on Thursday",
        "key-based calls, new IP, new callers (new hires from Wednesday)",
    ),
    Actor(
        "deployment-trials",
        deployment_trials,
        AI_TABLES,
        "three developers try several deployment names once on Monday/Tuesday (typos → 404)",
        "deployment enumeration with 404s",
    ),
    Actor(
        "legacy-key-app",
        legacy_key_app,
        AI_TABLES,
        "app-legacy-faq authenticates with an API key from the AKS egress IP (objectId empty, IP masked)",
        "API-key calls without identity",
    ),
    Actor(
        "steady-apps",
        steady_apps,
        AI_TABLES,
        "reporting service and QA automation (baselines for episodes); the "
        "evaluation harness uses o1 on Tuesdays and Thursdays",
        "first use of a high-cost model (o1 on Tuesday)",
    ),
    Actor(
        "defender-noise",
        defender_noise,
        ("SecurityAlert",),
        "Defender for AI blocks a jailbreak attempt by an assistant user about once a day",
        "any Defender for AI alert = incident",
    ),
)
