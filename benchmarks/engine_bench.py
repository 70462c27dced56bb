"""Embedded engine vs hand-written DuckDB SQL for the same rule logic on N rows (goal: <= 2x).

The data (a day of Key Vault audit events from many callers) is generated inside DuckDB and bulk
loaded with `EmbeddedEngine.load_sql`. Both sides answer the same question — distinct secrets per
caller and vault within a one-hour window, callers above a threshold — and must agree before any
timing counts. Reported: the ratio for a warm run (translation cached, as in a backtest), the first
(cold) run, and the cost of moving the window (one rule run of a backtest).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.engine import DataSet, Window
from sentinel_dac.engine.embedded import EmbeddedEngine

GOAL_RATIO = 2.0
START = datetime(2024, 5, 1, tzinfo=UTC)

QUERY = """
let Threshold = 10;
AZKVAuditLogs
| where OperationName == "SecretGet" and ResultType == "Success"
| extend Caller = tostring(Identity.claim.oid)
| summarize Secrets = dcount(Id), Reads = count(), FirstSeen = min(TimeGenerated), LastSeen = max(TimeGenerated)
    by Caller, CallerIpAddress, _ResourceId
| where Secrets > Threshold
"""

SQL = """
SELECT Caller, CallerIpAddress, _ResourceId, Secrets, Reads, FirstSeen, LastSeen FROM (
  SELECT coalesce(json_extract_string(Identity, '$.claim.oid'), '') AS Caller, CallerIpAddress, _ResourceId,
         count(DISTINCT Id) AS Secrets, count(*) AS Reads,
         min(TimeGenerated) AS FirstSeen, max(TimeGenerated) AS LastSeen
  FROM __sdac_data_AZKVAuditLogs
  WHERE TimeGenerated >= $start AND TimeGenerated < $end AND __sdac_ingestion_time <= $until
    AND OperationName = 'SecretGet' AND ResultType = 'Success'
  GROUP BY ALL
) WHERE Secrets > 10
"""

GENERATE = """
SELECT TIMESTAMP '2024-05-01 00:00:00' + to_microseconds(CAST(i * (86400000000 // {rows}) AS BIGINT)) AS TimeGenerated,
       TIMESTAMP '2024-05-01 00:00:00' + to_microseconds(CAST(i * (86400000000 // {rows}) AS BIGINT))
           + INTERVAL 90 SECOND AS __sdac_ingestion_time,
       CASE WHEN i % 10 = 0 THEN 'SecretSet' ELSE 'SecretGet' END AS OperationName,
       CASE WHEN i % 50 = 0 THEN 'Forbidden' ELSE 'Success' END AS ResultType,
       ('{{"claim":{{"oid":"caller-' || (i % 500) || '"}}}}')::JSON AS Identity,
       '10.0.' || (i % 500 // 250) || '.' || (i % 250) AS CallerIpAddress,
       'https://kv' || (i % 500 % 20) || '.vault.azure.net/secrets/s'
           || ((i // 500) % (CASE WHEN i % 500 < 10 THEN 400 ELSE 3 END)) AS Id,
       '/subscriptions/x/vaults/kv' || (i % 500 % 20) AS _ResourceId
FROM range({rows}) t(i)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of AZKVAuditLogs to generate")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions (median reported)")


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(args: argparse.Namespace) -> int:
    engine = EmbeddedEngine()
    engine.load(DataSet(builtin_catalog()))
    started = time.perf_counter()
    engine.load_sql("AZKVAuditLogs", GENERATE.format(rows=args.rows))
    load_s = time.perf_counter() - started
    now = START + timedelta(hours=13)
    window = Window(now - timedelta(hours=1), now, None, now + timedelta(minutes=5))
    params = {
        "start": window.start.replace(tzinfo=None),
        "end": now.replace(tzinfo=None),
        "until": window.ingested_until.replace(tzinfo=None),
    }
    con = engine.connection

    def sql():
        return con.execute(SQL, params).fetchall()

    cold_start = time.perf_counter()
    first = engine.run(QUERY, now, window)
    cold = time.perf_counter() - cold_start
    warm, result = _timed(lambda: engine.run(QUERY, now, window), args.repeat)
    hand, rows = _timed(sql, args.repeat)
    got = sorted((r["Caller"], r["CallerIpAddress"], r["Secrets"], r["Reads"]) for r in result.records())
    want = sorted((r[0], r[1], r[3], r[4]) for r in rows)
    if got != want or sorted(map(repr, first.rows)) != sorted(map(repr, result.rows)):  # summarize: no row order
        print(f"engine and SQL disagree: {len(got)} vs {len(want)} rows")
        return 1
    ends = [START + timedelta(hours=h) for h in range(2, 24)]
    windows = [Window(end - timedelta(hours=1), end, None, end + timedelta(minutes=5)) for end in ends]
    moving, _ = _timed(lambda: [engine.run(QUERY, w.end, w) for w in windows], 1)
    engine.close()
    ratio = warm / hand
    print(f"engine: {args.rows:,} rows of AZKVAuditLogs (bulk load {load_s:.2f} s), {len(want)} result rows")
    print(f"  hand-written DuckDB SQL   {hand * 1000:8.1f} ms (median of {args.repeat})")
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    print(
        f"  embedded engine, warm     {warm * 1000:8.1f} ms  ratio {ratio:.2f}x (goal <= {GOAL_RATIO:.0f}x: {verdict})"
    )
    print(f"  embedded engine, cold     {cold * 1000:8.1f} ms  ratio {cold / hand:.2f}x (first run: parse + translate)")
    print(
        f"  moving window (backtest)  {moving * 1000 / len(windows):8.1f} ms per rule run "
        f"over {len(windows)} hourly runs"
    )
    return 0
