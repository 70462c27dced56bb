"""Pseudonymisation throughput: rows per second scrubbed (goal >= 20,000 rows/s, one core).

Recording and `backtest --target --scrub` pass every fetched row through the scrubber; the query API
returns up to 500,000 rows per answer, so at 20,000 rows/s scrubbing one full answer takes 25 s —
comparable to the service's own time to produce it. Rows are AZKVAuditLogs-shaped with realistic
variety: 5,000 private and public caller addresses, 500 UPNs, a new GUID per row, Key Vault URIs,
resource ids and free text holding an address, an e-mail and, in one row of ten, a secret.
"""

from __future__ import annotations

import argparse
import random
import time

from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.privacy import scrub_rows

GOAL_ROWS_PER_SECOND = 20_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=100_000, help="rows to scrub (default 100,000)")
    parser.add_argument("--seed", type=int, default=13)


def rows(n: int, seed: int):
    rng = random.Random(seed)
    users = [f"user{i}@corp{i % 7}.example" for i in range(500)]
    vaults = [f"kv-app-{i:03d}" for i in range(40)]
    for i in range(n):
        ip = (
            f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if i % 3
            else (f"{rng.randrange(1, 223)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}")
        )
        user, vault = rng.choice(users), rng.choice(vaults)
        yield {
            "TimeGenerated": f"2024-05-01T{i % 24:02d}:{i % 60:02d}:00Z",
            "OperationName": "SecretGet",
            "ResultType": "Success",
            "CallerIpAddress": ip,
            "Identity": {"claim": {"upn": user, "oid": f"{rng.getrandbits(32):08x}-0000-4000-8000-{i:012d}"}},
            "RequestUri": f"https://{vault}.vault.azure.net/secrets/s{i % 50}?api-version=7.4",
            "_ResourceId": f"/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-{i % 9}"
            f"/providers/Microsoft.KeyVault/vaults/{vault}",
            "ResultDescription": f"read by {user} from {ip}" + (" key=AbCdEf0123456789xyz" if i % 10 == 0 else ""),
            "DurationMs": rng.randrange(5, 80),
        }


def run(args: argparse.Namespace) -> int:
    data = list(rows(args.rows, args.seed))
    schema = builtin_catalog().get("AZKVAuditLogs")
    start = time.perf_counter()
    out, report = scrub_rows(data, schema, b"benchmark-key-not-a-secret-00000")
    seconds = time.perf_counter() - start
    rate = len(out) / seconds if seconds else float("inf")
    verdict = "met" if rate >= GOAL_ROWS_PER_SECOND else "NOT met"
    print(f"scrub: {len(out)} AZKVAuditLogs rows, {report.total} values pseudonymised or redacted, {seconds:.2f} s")
    print(
        f"  {rate:,.0f} rows/s (goal >= {GOAL_ROWS_PER_SECOND:,} rows/s: {verdict}, "
        f"ratio {GOAL_ROWS_PER_SECOND / rate:.2f} of goal time)"
    )
    return 0
