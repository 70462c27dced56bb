"""Rows for Azure OpenAI traffic: AzureDiagnostics (Cognitive Services), APIM gateway and LLM logs, AzureMetrics.

What the rows contain follows the team's research notes (`content-logs.md`, cited as §):
- AzureDiagnostics RequestResponse (§1.2): `ResultSignature` is a *string*, `CallerIPAddress` has its
  last octet masked (`81.2.69.***`), `properties_s` is a JSON string with apiName, requestTime/responseTime
  (.NET ticks), requestLength/responseLength, objectId (empty for API-key calls, §1.3), streamType,
  modelDeploymentName/modelName/modelVersion. **No tokens, prompts or user agent.** Calls through APIM
  reach Azure OpenAI as APIM's managed identity from APIM's address.
- Audit rows: `ListKey` with the caller's objectId (§1.2, Elastic fixture).
- ApiManagementGatewayLlmLog (§2.1): tokens, model, deployment, CorrelationId — no caller; join
  ApiManagementGatewayLogs on CorrelationId for subscription, IP and user agent (logged because the
  diagnostic setting logs the `User-Agent` header). Streamed responses produce several rows
  (SequenceNumber 0..n) that *repeat* the token counts: sum() over rows over-counts, max() per
  CorrelationId is right — the dedup the notes recommend.
- AzureMetrics (§3): per account and minute only; exported metrics lose their dimensions.

Inferences (not documented, flagged in the generated README): OperationName `Embeddings_Create` in
AzureDiagnostics; streamType `Streaming`; 404/429 requests are logged with the requested deployment
and no model; APIM OperationIds follow the Azure OpenAI inference spec (`ChatCompletions_Create`,
`embeddings_create`, `Completions_Create`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .timeutil import MINUTE, dotnet_ticks, iso
from .world import APIM_VIP, AiAccount, ApimSubscription

if TYPE_CHECKING:
    from .context import Ctx
    from .sink import Sink
    from .world import World

API_VERSION = "2024-10-21"
APIM_REGION = "West Europe"
APIM_OPERATION = {"ChatCompletions_Create": "ChatCompletions_Create", "Embeddings_Create": "embeddings_create"}
PATH = {"ChatCompletions_Create": "chat/completions", "Embeddings_Create": "embeddings"}
_compact = json.JSONEncoder(separators=(",", ":")).encode


@dataclass(frozen=True)
class Call:
    """One inference request as the caller sent it (the deployment may not exist)."""

    account: AiAccount
    deployment: str
    operation: str = "ChatCompletions_Create"
    prompt: int = 500
    completion: int = 200
    stream: bool = False
    inputs: int = 1  # embeddings: texts per request

    @property
    def is_embedding(self) -> bool:
        return self.operation == "Embeddings_Create"


def mask(ip: str) -> str:
    """Azure OpenAI logs the caller IP with its last octet masked (§1.2)."""
    return ip.rsplit(".", 1)[0] + ".***"


def duration_ms(ctx: Ctx, call: Call, status: int) -> int:
    if status != 200:
        return ctx.rng.randint(4, 40)
    if call.is_embedding:
        return ctx.rng.randint(40, 160) + call.inputs * 6
    per_token = 9 if call.stream else 14
    return ctx.rng.randint(250, 700) + call.completion * per_token // 2


def aoai_request(ctx: Ctx, t: int, call: Call, *, object_id: str, ip: str, status: int) -> int:
    """One AzureDiagnostics RequestResponse row; returns the response time (µs)."""
    acct = call.account
    dep = acct.deployment(call.deployment) if status != 404 else None
    dur = duration_ms(ctx, call, status)
    done = t + dur * 1000
    ok = status == 200
    props: dict[str, Any] = {
        "apiName": f"Azure OpenAI API version {API_VERSION}",
        "requestTime": dotnet_ticks(t),
        "requestLength": call.prompt * 4 + 180 if not call.is_embedding else call.prompt * 4 + 60,
        "responseTime": dotnet_ticks(done),
        "responseLength": _response_length(call) if ok else 220 + ctx.rng.randint(0, 60),
        "objectId": object_id,
        "streamType": "Streaming" if call.stream else "Non-Streaming",
        "modelDeploymentName": call.deployment,
        "modelName": dep.model if dep else "",
        "modelVersion": dep.version if dep else "",
    }
    row = _diag_row(ctx.world, acct, t, "RequestResponse", call.operation)
    row.update(
        ResultSignature=str(status),
        DurationMs=dur,
        CallerIPAddress=mask(ip),
        CorrelationId=ctx.guid(),
        properties_s=_compact(props),
    )
    ctx.sink.add("AzureDiagnostics", t, row)
    ctx.metrics.add(acct, t, call.prompt if ok else 0, call.completion if ok and not call.is_embedding else 0)
    return done


def aoai_listkey_audit(ctx: Ctx, t: int, acct: AiAccount, object_id: str, ip: str) -> None:
    """The Audit-category row Azure OpenAI writes when someone lists its keys (§1.2)."""
    row = _diag_row(ctx.world, acct, t, "Audit", "ListKey")
    row.update(
        ResultSignature="200",
        DurationMs=ctx.rng.randint(20, 90),
        CallerIPAddress=mask(ip),
        CorrelationId=ctx.guid(),
        properties_s=_compact({"objectId": object_id}),
    )
    ctx.sink.add("AzureDiagnostics", t, row)


def apim_request(
    ctx: Ctx,
    t: int,
    sub: ApimSubscription,
    calls: list[Call],
    statuses: list[int],
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    body: dict[str, Any] | None = None,
) -> int:
    """A request through the APIM gateway. `calls`/`statuses` are the backend attempts in order
    (APIM's retry policy spills a 429 from one account to the next); returns the response time."""
    w = ctx.world
    ip = ip or sub.ips[ctx.rng.randrange(len(sub.ips))]
    gateway_ms = ctx.rng.randint(3, 12)
    when = t + gateway_ms * 1000
    for call, status in zip(calls, statuses, strict=True):
        when = aoai_request(ctx, when, call, object_id=w.app("mi-apim-gateway").object_id, ip=APIM_VIP, status=status)
    call, status = calls[-1], statuses[-1]
    total_ms = (when - t) // 1000 + gateway_ms
    corr = ctx.guid()
    path = f"openai/deployments/{call.deployment}/{PATH[call.operation]}?api-version={API_VERSION}"
    row: dict[str, Any] = {
        "TimeGenerated": iso(t),
        "TenantId": w.workspace_id,
        "Category": "GatewayLogs",
        "OperationName": "Microsoft.ApiManagement/GatewayLogs",
        "CorrelationId": corr,
        "Region": APIM_REGION,
        "IsRequestSuccess": status < 400,
        "TotalTime": total_ms,
        "BackendTime": max(1, total_ms - gateway_ms),
        "ClientTime": ctx.rng.randint(0, 3),
        "CallerIpAddress": ip,
        "Method": "POST",
        "Url": f"https://{w.apim_host}/{_api_path(sub)}/{path}",
        "BackendMethod": "POST",
        "BackendUrl": f"https://{call.account.host}/{path}",
        "BackendId": call.account.name,
        "BackendProtocol": "HTTP/1.1",
        "BackendResponseCode": status,
        "ResponseCode": status,
        "RequestSize": call.prompt * 4 + 300,
        "ResponseSize": _response_length(call) + 400 if status == 200 else 310,
        "Cache": "none",
        "ApiId": sub.api,
        "OperationId": APIM_OPERATION[call.operation],
        "ProductId": sub.product,
        "UserId": sub.user_id,
        "ApimSubscriptionId": sub.id,
        "ApiRevision": "1",
        "ClientProtocol": "HTTP/1.1",
        "ClientTlsVersion": "1.2",
        "RequestHeaders": {"User-Agent": user_agent or sub.user_agent},
        "Type": "ApiManagementGatewayLogs",
        "_ResourceId": w.apim_id.lower(),
        "_SubscriptionId": w.subscriptions["platform"],
    }
    if body is not None:
        row["RequestBody"] = _compact(body)
    if status >= 400:
        row.update(_apim_error(status))
    ctx.sink.add("ApiManagementGatewayLogs", t, row)
    if status == 200:
        _llm_rows(ctx, when, call, corr)
    return when + gateway_ms * 1000


def _llm_rows(ctx: Ctx, t: int, call: Call, corr: str) -> None:
    w = ctx.world
    dep = call.account.deployment(call.deployment)
    model = f"{dep.model}-{dep.version}" if dep and len(dep.version) == 10 else (dep.model if dep else "")
    rows = 1 if not call.stream else 2 + call.completion // 350
    prefix = "chatcmpl-" if not call.is_embedding else "emb-"
    request_id = prefix + ctx.hexid(24)
    completion = 0 if call.is_embedding else call.completion
    for seq in range(rows):
        row = {
            "TimeGenerated": iso(t + seq * 1000),
            "TenantId": w.workspace_id,
            "CorrelationId": corr,
            "RequestId": request_id,
            "ApiVersion": API_VERSION,
            "OperationName": call.operation,
            "DeploymentName": call.deployment,
            "ModelName": model,
            "Region": APIM_REGION,
            "PromptTokens": call.prompt,
            "CompletionTokens": completion,
            "TotalTokens": call.prompt + completion,
            "IsStreamCompletion": call.stream,
            "SequenceNumber": seq,
            "Type": "ApiManagementGatewayLlmLog",
            "_ResourceId": w.apim_id.lower(),
            "_SubscriptionId": w.subscriptions["platform"],
        }
        ctx.sink.add("ApiManagementGatewayLlmLog", t + seq * 1000, row)


def _api_path(sub: ApimSubscription) -> str:
    return "sandbox" if sub.api == "openai-sandbox" else "aoai"


def _apim_error(status: int) -> dict[str, Any]:
    reason = {
        404: ("DeploymentNotFound", "The API deployment for this resource does not exist."),
        429: ("RateLimitExceeded", "Rate limit is exceeded. Try again later."),
        401: ("SubscriptionKeyInvalid", "Access denied due to invalid subscription key."),
    }.get(status, ("BackendError", "Backend returned an error."))
    return {
        "LastErrorReason": reason[0],
        "LastErrorMessage": reason[1],
        "LastErrorSource": "forward-request" if status != 401 else "authentication",
        "LastErrorSection": "backend" if status != 401 else "inbound",
        "LastErrorScope": "api",
    }


def _response_length(call: Call) -> int:
    if call.is_embedding:
        dims = 3072 if "large" in call.deployment else 1536
        return 120 + call.inputs * dims * 9
    return 420 + call.completion * 4


def _diag_row(w: World, acct: AiAccount, t: int, category: str, operation: str) -> dict[str, Any]:
    rid = acct.resource_id
    return {
        "TimeGenerated": iso(t),
        "TenantId": w.workspace_id,
        "ResourceId": rid.upper(),
        "SubscriptionId": acct.subscription,
        "ResourceGroup": acct.rg.upper(),
        "ResourceProvider": "MICROSOFT.COGNITIVESERVICES",
        "ResourceType": "ACCOUNTS",
        "Resource": acct.name.upper(),
        "Category": category,
        "OperationName": operation,
        "Type": "AzureDiagnostics",
        "_ResourceId": rid.lower(),
        "_SubscriptionId": acct.subscription,
        "SourceSystem": "Azure",
    }


class Metrics:
    """Per-account, per-minute totals of the requests written, exported as AzureMetrics rows (PT1M)."""

    NAMES = ("AzureOpenAIRequests", "ProcessedPromptTokens", "GeneratedTokens", "TokenTransaction")

    def __init__(self) -> None:
        self._acc: dict[tuple[int, str], list[Any]] = defaultdict(lambda: [None, 0, []])

    def add(self, acct: AiAccount, t: int, prompt: int, completion: int) -> None:
        cell = self._acc[(t - t % MINUTE, acct.name)]
        cell[0] = acct
        cell[1] += 1
        if prompt or completion:
            cell[2].append((prompt, completion))

    def flush(self, sink: Sink, w: World, before: int) -> None:
        for key in sorted(k for k in self._acc if k[0] < before):
            minute, _ = key
            acct, requests, served = self._acc.pop(key)
            prompts = [p for p, _ in served if p]
            completions = [c for _, c in served if c]
            totals = [p + c for p, c in served]
            for name, values in (
                ("AzureOpenAIRequests", [1] * requests),
                ("ProcessedPromptTokens", prompts),
                ("GeneratedTokens", completions),
                ("TokenTransaction", totals),
            ):
                if values:
                    sink.add("AzureMetrics", minute, _metric_row(w, acct, minute, name, values))


def _metric_row(w: World, acct: AiAccount, minute: int, name: str, values: list[int]) -> dict[str, Any]:
    total = float(sum(values))
    return {
        "TimeGenerated": iso(minute),
        "TenantId": w.workspace_id,
        "ResourceId": acct.resource_id.upper(),
        "SubscriptionId": acct.subscription,
        "ResourceGroup": acct.rg.upper(),
        "ResourceProvider": "MICROSOFT.COGNITIVESERVICES",
        "Resource": acct.name.upper(),
        "MetricName": name,
        "Total": total,
        "Count": float(len(values)),
        "Maximum": float(max(values)),
        "Minimum": float(min(values)),
        "Average": round(total / len(values), 3),
        "TimeGrain": "PT1M",
        "UnitName": "Count",
        "Type": "AzureMetrics",
        "_ResourceId": acct.resource_id.lower(),
        "_SubscriptionId": acct.subscription,
        "SourceSystem": "Azure",
    }
