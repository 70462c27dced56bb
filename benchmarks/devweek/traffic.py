"""Caller behaviour shared by benign actors and episodes: retries after 429, APIM spill-over, request shapes.

Real clients retry a throttled request after a back-off (the Azure OpenAI SDKs do by default), so a
429 storm is several log rows per logical request — that is what makes plain 429 counts noisy for
batch and provisioned workloads (issue 8).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .emit_ai import Call, aoai_request, apim_request
from .timeutil import US
from .world import AiAccount, ApimSubscription

if TYPE_CHECKING:
    from .context import Ctx


def direct(
    ctx: Ctx,
    t: int,
    call: Call,
    object_id: str,
    ip: str,
    *,
    p429: float = 0.0,
    retries: int = 3,
    status: int | None = None,
) -> int:
    """A caller hitting Azure OpenAI directly (Entra ID: `object_id`; API key: `""`), retrying 429s."""
    for attempt in range(retries + 1):
        code = status if status is not None else (429 if p429 and ctx.rng.random() < p429 else 200)
        done = aoai_request(ctx, t, call, object_id=object_id, ip=ip, status=code)
        if code != 429:
            return done
        t = done + (attempt + 1) * ctx.rng.randint(1, 8) * US
    return t


def via_apim(
    ctx: Ctx,
    t: int,
    sub: ApimSubscription,
    call: Call,
    *,
    p429: float = 0.0,
    spill: AiAccount | None = None,
    retries: int = 2,
    ip: str | None = None,
    user_agent: str | None = None,
    body: dict[str, Any] | None = None,
    status: int | None = None,
) -> int:
    """A request through APIM; a 429 from the primary account spills to `spill` (APIM retry policy),
    and a final 429 makes the client retry after a back-off."""
    for attempt in range(retries + 1):
        calls, statuses = [call], [status if status is not None else _throttled(ctx, p429)]
        if statuses[0] == 429 and spill is not None:
            calls.append(replace(call, account=spill))
            statuses.append(_throttled(ctx, p429 / 3))
        done = apim_request(ctx, t, sub, calls, statuses, ip=ip, user_agent=user_agent, body=body)
        if statuses[-1] != 429:
            return done
        t = done + (attempt + 1) * ctx.rng.randint(2, 10) * US
    return t


def _throttled(ctx: Ctx, p429: float) -> int:
    return 429 if p429 and ctx.rng.random() < p429 else 200


def chat(
    ctx: Ctx,
    acct: AiAccount,
    deployment: str,
    *,
    prompt: tuple[int, int] = (200, 1500),
    completion: tuple[int, int] = (50, 600),
    stream_share: float = 0.0,
) -> Call:
    return Call(
        acct,
        deployment,
        "ChatCompletions_Create",
        prompt=ctx.rng.randint(*prompt),
        completion=ctx.rng.randint(*completion),
        stream=ctx.rng.random() < stream_share,
    )


def embed(
    ctx: Ctx, acct: AiAccount, deployment: str, *, inputs: int = 16, tokens_each: tuple[int, int] = (150, 500)
) -> Call:
    return Call(
        acct,
        deployment,
        "Embeddings_Create",
        prompt=sum(ctx.rng.randint(*tokens_each) for _ in range(inputs))
        if inputs <= 4
        else inputs * ctx.rng.randint(*tokens_each),
        completion=0,
        inputs=inputs,
    )


def sandbox_body(call: Call, *, max_tokens: int = 800, temperature: float = 0.7, **extra: Any) -> dict[str, Any]:
    """The request body APIM logs for the sandbox API (prompts masked by policy, parameters kept)."""
    body: dict[str, Any] = {
        "messages": [{"role": "system", "content": "***"}, {"role": "user", "content": "***"}],
        "max_tokens": max_tokens,
        "temperature": temperature,
    }
    body.update(extra)
    return body
