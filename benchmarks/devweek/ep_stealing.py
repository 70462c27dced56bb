"""Episodes: model stealing — systematic querying, embeddings extraction, enumeration, key spreading,
low-and-slow extraction, logprob probing — plus two benign near-misses."""

from __future__ import annotations

from . import labels as L
from .context import Ctx
from .emit_ai import Call
from .registry import Episode
from .timeutil import US
from .traffic import chat, direct, embed, sandbox_body, via_apim
from .world import APPSERVICE_EGRESS, PARTNER_IP

FAMILY = "model-stealing"
SPREAD_IP = "192.0.2.88"
PROBE_IP = "198.51.100.150"
ENUM_NAMES = (
    "gpt-4",
    "gpt-4-32k",
    "gpt-35-turbo",
    "gpt-35-turbo-16k",
    "gpt-4o",
    "gpt-4o-mini",
    "text-davinci-003",
    "dall-e-3",
    "whisper",
    "o1",
    "o1-mini",
    "o3-mini",
    "gpt-4-turbo",
    "text-embedding-ada-002",
    "text-embedding-3-large",
    "text-embedding-3-small",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-5",
    "tts",
    "gpt-4o-realtime-preview",
    "chat",
)


def ms01_systematic(ctx: Ctx, a: int, b: int) -> None:
    """Templated prompts of near-constant size, day and night, from the partner's usual IP."""
    w = ctx.world
    eus = w.accounts["prod-eus"]
    for t in ctx.arrivals(120, a, b):
        call = chat(ctx, eus, "gpt-4o", prompt=(280, 320), completion=(180, 220))
        via_apim(ctx, t, w.apim_subs["partner-fabrikam"], call, ip=PARTNER_IP)


def ms02_embeddings(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who = w.person("engineering", 7)
    eus = w.accounts["prod-eus"]
    for t in ctx.arrivals(480, a, b):
        direct(ctx, t, embed(ctx, eus, "text-embedding-3-large", inputs=16), who.object_id, who.ip or "")


def ms03_enumeration(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    sp = w.app("sp-analytics-etl")
    t = a
    if not ctx.contains(t):
        return
    for key in ("prod-eus", "prod-swc", "dev"):
        acct = w.accounts[key]
        for name in ENUM_NAMES:
            status = 200 if acct.deployment(name) else 404
            call = (
                embed(ctx, acct, name, inputs=1) if "embedding" in name else chat(ctx, acct, name, completion=(5, 20))
            )
            t = direct(ctx, t, call, sp.object_id, APPSERVICE_EGRESS, status=status) + ctx.rng.randint(3, 30) * US


def ms04_spread(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus = w.accounts["prod-eus"]
    subs = [
        w.apim_subs[s]
        for s in ("hr-chatbot", "marketing-copy", "dev-playground", "batch-docs", "research-sandbox", "contact-center")
    ]
    for i, sub in enumerate(subs):
        for t in ctx.arrivals(25, a, b):
            dep = "gpt-4o-ptu" if sub.id == "contact-center" else ("gpt-4o" if i % 2 else "gpt-4o-mini")
            acct = w.accounts["dev"] if sub.id == "dev-playground" else eus
            call = chat(ctx, acct, dep if acct is eus else "gpt-4o", prompt=(350, 450), completion=(250, 350))
            via_apim(ctx, t, sub, call, ip=SPREAD_IP, user_agent="python-httpx/0.27.2")


def ms05_low_and_slow(ctx: Ctx, a: int, b: int) -> None:
    """A flat 25 requests/hour, nights and weekend included, with identical request sizes."""
    w = ctx.world
    eus, sp = w.accounts["prod-eus"], w.app("sp-qa-automation").object_id
    for t in ctx.arrivals(25, a, b):
        direct(ctx, t, Call(eus, "gpt-4o", prompt=512, completion=256), sp, "203.0.113.15")


def ms06_logprobs(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus = w.accounts["prod-eus"]
    for t in ctx.arrivals(660, a, b):
        call = Call(eus, "gpt-4o", prompt=ctx.rng.randint(20, 60), completion=1)
        body = sandbox_body(call, max_tokens=1, temperature=0, logprobs=True, top_logprobs=20)
        via_apim(ctx, t, w.apim_subs["research-sandbox"], call, ip=PROBE_IP, body=body)


def msb1_reindex(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    eus, mi = w.accounts["prod-eus"], w.app("mi-rag-indexer").object_id
    for t in ctx.arrivals(1200, a, b):
        direct(ctx, t, embed(ctx, eus, "text-embedding-3-large"), mi, APPSERVICE_EGRESS, p429=0.08)


def msb2_new_dev_tries(ctx: Ctx, a: int, b: int) -> None:
    w = ctx.world
    who = next(p for p in w.new_hires() if p.dept == "engineering")
    dev = w.accounts["dev"]
    t = a
    if not ctx.contains(t):
        return
    for name in ("gpt-4", "gpt-4o", "gpt4o-mini", "gpt-4o-mini", "gpt-35-turbo"):
        status = 200 if dev.deployment(name) else 404
        t = direct(ctx, t, chat(ctx, dev, name, completion=(20, 80)), who.object_id, who.ip or "", status=status)
        t += ctx.rng.randint(30, 120) * US


def _new_engineer(w):
    p = next(p for p in w.new_hires() if p.dept == "engineering")
    return L.Entity("Account", p.upn or "", (p.object_id, p.sam))


EPISODES = (
    Episode(
        "MS-01",
        FAMILY,
        ("AML.T0024.002", "AML.T0040"),
        (2, "09:00"),
        (3, "18:00"),
        ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog"),
        "sustained systematic querying far above the caller's own history",
        L.apim_sub("partner-fabrikam"),
        lambda w: (
            "The partner-fabrikam subscription (normally ~12 gpt-4o-mini calls an hour in business hours) sends "
            "templated, equal-sized gpt-4o prompts around the clock for 33 hours."
        ),
        ms01_systematic,
        related=L.related(L.ip(PARTNER_IP)),
    ),
    Episode(
        "MS-02",
        FAMILY,
        ("AML.T0024.002", "AML.T0040"),
        (4, "18:00"),
        (4, "23:30"),
        ("AzureDiagnostics", "AzureMetrics"),
        "embeddings extraction by an identity that is not a known indexer",
        L.person("engineering", 7),
        lambda w: (
            f"{w.person('engineering', 7).upn} calls Embeddings on the production account ~480 times an hour "
            "(16 texts each) in the evening — only the RAG indexer does that."
        ),
        ms02_embeddings,
    ),
    Episode(
        "MS-03",
        FAMILY,
        ("AML.T0007", "AML.T0014", "T1580"),
        (3, "16:10"),
        (3, "16:40"),
        ("AzureDiagnostics",),
        "deployment/model enumeration (many distinct deployments, 404s)",
        L.app("sp-analytics-etl"),
        lambda w: (
            "The analytics ETL principal requests 22 deployment names on all three accounts: mostly 404s, "
            "then calls to the ones that exist."
        ),
        ms03_enumeration,
    ),
    Episode(
        "MS-04",
        FAMILY,
        ("AML.T0024.002", "AML.T0034", "T1078.004"),
        (4, "08:00"),
        (5, "08:00"),
        ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog"),
        "one caller spreading load over many keys/subscriptions",
        L.ip(SPREAD_IP),
        lambda w: (
            f"{SPREAD_IP} uses six different APIM subscription keys (leaked from a repository), each kept "
            "under its own limits, for 24 hours."
        ),
        ms04_spread,
    ),
    Episode(
        "MS-05",
        FAMILY,
        ("AML.T0024.002",),
        (1, "00:00"),
        (7, "00:00"),
        ("AzureDiagnostics",),
        "low-and-slow extraction across many days",
        L.app("sp-qa-automation"),
        lambda w: (
            "From Tuesday on, the QA automation principal adds a flat 25 identical-size gpt-4o requests an "
            "hour, nights and weekend included (its real tests run in office hours on gpt-4o-mini)."
        ),
        ms05_low_and_slow,
    ),
    Episode(
        "MS-06",
        FAMILY,
        ("AML.T0024.002", "AML.T0040"),
        (3, "20:00"),
        (3, "23:00"),
        ("ApiManagementGatewayLogs", "ApiManagementGatewayLlmLog"),
        "many tiny completions / probing parameters where body logging exists",
        L.apim_sub("research-sandbox"),
        lambda w: (
            "2,000 one-token completions with logprobs=true, top_logprobs=20, temperature=0 through the "
            "body-logged sandbox API from a home IP."
        ),
        ms06_logprobs,
        related=L.related(L.ip(PROBE_IP)),
    ),
    Episode(
        "MS-B1",
        FAMILY,
        ("AML.T0024.002",),
        (6, "00:00"),
        (6, "06:00"),
        ("AzureDiagnostics", "AzureMetrics"),
        "benign: the known RAG indexer re-indexes everything (10x its usual embeddings)",
        L.app("mi-rag-indexer"),
        lambda w: "Sunday full re-index by the RAG indexer after a schema change.",
        msb1_reindex,
        benign=True,
    ),
    Episode(
        "MS-B2",
        FAMILY,
        ("AML.T0014",),
        (2, "10:15"),
        (2, "10:25"),
        ("AzureDiagnostics",),
        "benign: a new developer tries a few deployment names once (two 404s)",
        _new_engineer,
        lambda w: "A new engineer's first calls on the dev account, with two typos.",
        msb2_new_dev_tries,
        benign=True,
    ),
)
