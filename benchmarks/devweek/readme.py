"""The generated `README.md`: what each table holds, volumes, benign actors, episodes, inventory, assumptions."""

from __future__ import annotations

from pathlib import Path

from .episodes_file import PlacedEpisode
from .inventory import FILES
from .registry import Actor
from .timeutil import iso_seconds, weekday
from .world import World

TABLE_NOTES = {
    "AzureDiagnostics": "Azure OpenAI `RequestResponse` rows (3 accounts), `Audit`/`ListKey` rows, and legacy-mode "
    "Key Vault `AuditEvent` rows (kv-legacy-fin, kv-legacy-hr, kv-team-billing, kv-team-mobile). "
    "Filter on `ResourceProvider`.",
    "ApiManagementGatewayLogs": "one row per request through contoso-apim-prod: subscription, caller IP, "
    "User-Agent header, response codes; `RequestBody` only for the sandbox API (body logging on, prompts masked).",
    "ApiManagementGatewayLlmLog": "tokens per request (CorrelationId joins the gateway log); streamed "
    "responses have several rows that repeat the counts — take max() per CorrelationId.",
    "AzureMetrics": "per account and minute (PT1M): AzureOpenAIRequests, ProcessedPromptTokens, GeneratedTokens, "
    "TokenTransaction — no per-caller split.",
    "AzureActivity": "ARM operations (Start + Success/Accept/Failure rows): AI accounts, deployments, keys, RAI "
    "policies, role assignments, Key Vault control plane incl. purge, AKS agent pools, ML computes.",
    "AZKVAuditLogs": "Key Vault data plane for resource-specific vaults: 401 challenge before every session, "
    "Secret*/Key*/Certificate* operations, VaultPatch with NetworkAcls/EnableRbacAuthorization.",
    "CommonSecurityLog": "Zscaler-style web proxy: user, URL, SentBytes/ReceivedBytes (the only byte counts).",
    "DeviceNetworkEvents": "Defender for Endpoint on workstations and build agents: process, account, RemoteUrl "
    "(no bytes).",
    "AZFWApplicationRule": "Azure Firewall application rules for AKS nodes and build agents: source IP, FQDN "
    "(no user, no bytes).",
    "OfficeActivity": "SharePoint/OneDrive `FileDownloaded`.",
    "AuditLogs": "application / service-principal credentials added.",
    "SecurityAlert": "Defender for AI services alerts (`AI.Azure_*` AlertType).",
}

ASSUMPTIONS_INTRO = """\
## Data assumptions (read before writing a rule)

Facts come from the team's research notes on what these logs contain (content-logs.md; its sources are
Microsoft Learn / MicrosoftDocs pages, Azure-Sentinel content and Elastic's Azure OpenAI test fixtures).
Where the sources were silent the generator had to choose; those choices are marked **inferred**:
a rule must not depend on them without checking a real workspace.
"""

ASSUMPTIONS = (
    (
        "Azure OpenAI logs go to AzureDiagnostics (no resource-specific table); `properties_s` is a JSON string "
        "(catalogue extension `AzureDiagnostics.cognitiveservices.json`)",
        "documented",
    ),
    ('`ResultSignature` is a string ("200", "429", "404"); `CallerIPAddress` has its last octet masked', "documented"),
    ("`properties_s.objectId` is set for Entra ID callers and empty for API-key calls", "fixture-observed"),
    (
        "no tokens, prompts or user agent in AzureDiagnostics; tokens only in APIM LLM logs and AzureMetrics",
        "documented",
    ),
    ("OperationName `Embeddings_Create` (only `ChatCompletions_Create` is documented)", "**inferred**"),
    ('`streamType` = "Streaming" for streamed calls (only "Non-Streaming" was observed)', "**inferred**"),
    (
        "404 (unknown deployment) and 429 rows carry the requested deployment name; 404 rows have no model",
        "**inferred**",
    ),
    (
        "APIM `OperationId` = Azure OpenAI inference spec ids (`ChatCompletions_Create`, `embeddings_create`)",
        "**inferred**",
    ),
    (
        "streamed responses give several LLM-log rows repeating the token counts (SequenceNumber 0..n)",
        "**inferred** (docs silent)",
    ),
    ("`IsStreamCompletion` = true when the response was streamed (the docs' wording is ambiguous)", "**inferred**"),
    ("AzureMetrics exports lose dimensions (per account only)", "documented"),
    (
        "AzureActivity `Properties` holds `requestbody` (Start row) and `responseBody` (Success row)",
        "role assignments: Azure-Sentinel content; SKU/capacity/vmSize **inferred**",
    ),
    (
        "account settings (disableLocalAuth, publicNetworkAccess, networkAcls) appear only as `accounts/write`",
        "documented (no separate operations)",
    ),
    (
        "Key Vault: a 401 challenge precedes each client session; filter on `HttpStatusCode` "
        '(`ResultSignature` is "OK"/"Unauthorized"/"Forbidden")',
        "challenge documented; pattern **inferred**",
    ),
    ('Key Vault `ResultType` "Success"/"Failure"', "**inferred**"),
    (
        "legacy Key Vault columns (`identity_claim_*`, `requestUri_s`, `httpStatusCode_d`, ...)",
        "AzureDiagnostics flattening convention, not verified",
    ),
    ("CSI driver / App Service Key Vault reference user agents", "**synthetic** (identify pollers by identity)"),
    ('proxy `DeviceVendor` "Zscaler" / `DeviceProduct` "NSSWeblog"', "from Azure-Sentinel's sample data"),
    ('Defender for AI alerts: `ProductName` "Azure Security Center"', "**inferred** (match on `AlertType`)"),
    ("first-party app ids (Azure CLI, Azure Portal) in tokens", "**synthetic** stand-ins (the world's `fp-*` apps)"),
)


def write_readme(
    path: Path,
    w: World,
    rows: dict[str, int],
    actors: tuple[Actor, ...],
    placed: list[PlacedEpisode],
    scale: float,
    warmup_days: int = 0,
) -> None:
    days = (w.end - w.start) // (24 * 3600 * 1_000_000)
    out = [
        "# The development week (generated)",
        "",
        f"Generated by `python -m benchmarks devweek --start {iso_seconds(w.start)} --days {days} --scale {scale:g} "
        f"--seed {w.seed} --warmup-days {warmup_days}` from `benchmarks/devweek/`. Do not edit: regenerate. "
        "Same arguments, same bytes.",
        "",
        f"{days} days of logs of Contoso ({iso_seconds(w.start)} to {iso_seconds(w.end)}, UTC; office hours 08-18 UTC "
        "Monday-Friday, maintenance window Saturday 01:00-05:00), with benign noise that trips naive rules and "
        f"{sum(1 for p in placed if not p.episode.benign)} labelled attack episodes plus "
        f"{sum(1 for p in placed if p.episode.benign)} benign near-misses (`episodes.yaml`). Every identity, address "
        "and key is synthetic.",
        "",
    ]
    if warmup_days:
        out += [
            f"The files also hold {warmup_days} days of **warm-up** before {iso_seconds(w.start)}: benign actors only, "
            "no episode, nothing labelled, so rules' per-identity baselines form. The backtest scores "
            "`episodes.yaml`'s `start`..`end` (its default with `--expect`) and reads the warm-up only through "
            "look-backs.",
            "",
        ]
    out += [
        "## Using it",
        "",
        "- Tune a rule: run it over these files (`sentinel-dac backtest --data <this folder>`, issue 7) and read "
        "the actors table below for what each alert on benign data stands for.",
        "- Score content: `--expect episodes.yaml` — an alert on a `benign: true` episode is a false positive; "
        "see `matching` in that file for how alerts are matched to episodes.",
        "- Watchlists: `inventory/*.csv` use the same identities, hosts and addresses as the logs.",
        "- Volume: `--scale` multiplies benign volume (memory stays at about one hour of rows); episodes never "
        "scale, so labels stay exact but thresholds tuned at scale 1 do not carry over. AuditLogs and "
        "SecurityAlert are event-sparse and do not grow with scale.",
        "",
    ]
    if weekday(w.start) != 0:
        out += ["**Warning:** the week does not start on a Monday; the episode schedule assumes it does.", ""]
    out += ["## Tables", "", "| file | rows | what it holds |", "|---|---:|---|"]
    for table, n in rows.items():
        out.append(f"| `{table}.jsonl` | {n:,} | {TABLE_NOTES.get(table, '')} |")
    out += [
        f"| **total** | **{sum(rows.values()):,}** | |",
        "",
        "Rows are JSON Lines, one object per row, sorted by TimeGenerated, typed by the table catalogue.",
        "",
    ]
    out += [
        "## Benign actors (the noise)",
        "",
        "| actor | stands for | trips the naive rule | tables |",
        "|---|---|---|---|",
    ]
    for a in actors:
        out.append(f"| {a.key} | {a.stands_for} | {a.trips} | {', '.join(a.tables)} |")
    out += [
        "",
        "## Episodes",
        "",
        "| id | family | window (UTC) | key entity | what happens |",
        "|---|---|---|---|---|",
    ]
    for p in placed:
        ep = p.episode
        tag = " (benign)" if ep.benign else ""
        window = f"{iso_seconds(p.start)[5:16]} – {iso_seconds(p.end)[5:16]}"
        out.append(f"| {ep.id}{tag} | {ep.family} | {window} | {p.entity.type} `{p.entity.value}` | {p.description} |")
    out += ["", "## Inventory (watchlist material)", "", "| file | holds |", "|---|---|"]
    out += [f"| `inventory/{name}` | {what} |" for name, what in FILES.items()]
    out += ["", "## Key identities", "", "| identity | object id | purpose |", "|---|---|---|"]
    for p in w.apps.values():
        out.append(f"| {p.display} (`{p.key}`) | `{p.object_id}` | {p.purpose} |")
    out += ["", ASSUMPTIONS_INTRO, "| fact | status |", "|---|---|"]
    out += [f"| {fact} | {status} |" for fact, status in ASSUMPTIONS]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
