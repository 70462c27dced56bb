"""Regenerate the notebooks' recorded samples (deterministic; run from anywhere).

    python hunting/notebooks/samples/make_samples.py

Two days (2024-05-01/02 UTC) of a small synthetic organisation, already in the shape a
pseudonymised recording has (`user-…@dom-….example`, private and RFC 5737 addresses, zero GUIDs):
APIM gateway and LLM logs for three API subscriptions (one bursts and gets throttled on day 2),
Key Vault audit logs (one identity lists and reads every secret on day 2), and proxy logs of
users reaching GenAI services (one uploads far more than the others).
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
START = datetime(2024, 5, 1, tzinfo=UTC)
RID_APIM = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ai/providers/Microsoft.ApiManagement/service/apim-ai-gateway"
RID_KV = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-app-prod"
SUBSCRIPTIONS = {"sub-portal": "10.30.0.12", "sub-mobile-app": "198.51.100.23", "sub-batch": "10.30.0.40"}
USERS = [f"user-{i:02d}@dom-a1b2c3d4.example" for i in range(6)]
GENAI = ["api.openai.com", "gemini.googleapis.com", "claude.ai", "aoai-prod.openai.azure.com"]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def apim(rng: random.Random):
    gateway, llm = [], []
    for hour in range(48):
        for sub, ip in SUBSCRIPTIONS.items():
            calls = 3 if sub != "sub-batch" else 6
            burst = sub == "sub-mobile-app" and 30 <= hour < 34
            if burst:
                calls = 40
            for _ in range(calls):
                t = START + timedelta(hours=hour, seconds=rng.randrange(3600))
                corr = gid(rng)
                throttled = burst and rng.random() < 0.6
                code = 429 if throttled else 200
                gateway.append({
                    "TimeGenerated": iso(t), "CorrelationId": corr, "ApimSubscriptionId": sub, "CallerIpAddress": ip,
                    "ApiId": "azure-openai", "OperationId": "ChatCompletions_Create", "Method": "POST",
                    "ResponseCode": code, "IsRequestSuccess": code == 200, "Region": "West Europe",
                    "_ResourceId": RID_APIM,
                })
                if throttled:
                    continue
                prompt = rng.randrange(300, 1500) * (4 if burst else 1)
                completion = rng.randrange(100, 600)
                llm.append({
                    "TimeGenerated": iso(t), "CorrelationId": corr, "DeploymentName": "gpt-4o-prod", "ModelName": "gpt-4o",
                    "PromptTokens": prompt, "CompletionTokens": completion, "TotalTokens": prompt + completion,
                    "OperationName": "ChatCompletions_Create", "IsStreamCompletion": False, "Region": "West Europe",
                    "_ResourceId": RID_APIM,
                })
    return gateway, llm


def keyvault(rng: random.Random):
    rows = []
    secrets = [f"kvobj-{i:02d}" for i in range(25)]
    apps = {"user-app-01@dom-a1b2c3d4.example": "10.20.1.4", "user-app-02@dom-a1b2c3d4.example": "10.20.1.5"}
    for hour in range(48):
        for upn, ip in apps.items():
            for _ in range(2):
                t = START + timedelta(hours=hour, seconds=rng.randrange(3600))
                rows.append(_kv(rng, t, "SecretGet", upn, ip, rng.choice(secrets[:3])))
    intruder, ip = "user-03@dom-a1b2c3d4.example", "203.0.113.7"
    t = START + timedelta(hours=37, minutes=12)
    rows.append(_kv(rng, t, "SecretList", intruder, ip, None))
    for i, name in enumerate(secrets):
        rows.append(_kv(rng, t + timedelta(seconds=20 + 7 * i), "SecretGet", intruder, ip, name))
    return sorted(rows, key=lambda r: r["TimeGenerated"])


def _kv(rng, t, op, upn, ip, secret):
    uri = "https://kv-app-prod.vault.azure.net/secrets" + (f"/{secret}" if secret else "") + "?api-version=7.4"
    return {
        "TimeGenerated": iso(t), "OperationName": op, "ResultType": "Success", "HttpStatusCode": 200,
        "CallerIpAddress": ip, "Identity": {"claim": {"upn": upn}}, "RequestUri": uri, "CorrelationId": gid(rng),
        "DurationMs": rng.randrange(5, 60), "_ResourceId": RID_KV,
    }


def proxy(rng: random.Random):
    rows = []
    for hour in range(48):
        if hour % 24 < 7:
            continue
        for n, user in enumerate(USERS):
            for _ in range(rng.randrange(0, 4)):
                t = START + timedelta(hours=hour, seconds=rng.randrange(3600))
                sent = rng.randrange(2_000, 40_000)
                if n == 4 and 36 <= hour < 40:
                    sent *= 120  # user-04 uploads documents to a GenAI service
                host = rng.choice(GENAI)
                rows.append({
                    "TimeGenerated": iso(t), "DeviceVendor": "Contoso", "DeviceProduct": "WebProxy", "Activity": "allowed",
                    "SourceUserName": user, "SourceIP": f"10.40.0.{10 + n}", "DestinationHostName": host,
                    "RequestURL": f"https://{host}/", "RequestMethod": "POST", "SentBytes": sent,
                    "ReceivedBytes": rng.randrange(1_000, 20_000),
                })
    return sorted(rows, key=lambda r: r["TimeGenerated"])


def write(name: str, rows) -> None:
    rows = sorted(rows, key=lambda r: r["TimeGenerated"])
    (HERE / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def main() -> None:
    rng = random.Random(13)
    gateway, llm = apim(rng)
    write("gateway.ApiManagementGatewayLogs.jsonl", gateway)
    write("gateway.ApiManagementGatewayLlmLog.jsonl", llm)
    write("vault.AZKVAuditLogs.jsonl", keyvault(rng))
    write("proxy.CommonSecurityLog.jsonl", proxy(rng))


if __name__ == "__main__":
    main()
