"""Generate the development week into a folder: one JSONL file per table, episodes.yaml, inventory/, README.md.

The week is generated hour by hour; in each hour every benign actor and every episode whose window
overlaps the hour writes its rows, then everything before the hour's end is flushed to disk in time
order. The output folder is written next to the target and swapped in only when complete, so a failed
run never leaves half a week behind.

Warm-up (`warmup_days`, default 8): the days before the labelled week are generated too, benign actors
only (no episode, nothing labelled), at the same scale, so per-identity baselines form the way they would
in a workspace that has been collecting for weeks. Rules with look-backs up to a week plus a day (the
content's longest) then run every hour of the week instead of once at its end (or never): the backtest
scores `episodes.yaml`'s `start`..`end` and reads the warm-up only through look-backs. Each hour's random
stream is keyed by its offset from the week's start, so the week's rows are the same bytes with or
without a warm-up.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import (
    ep_correlation,
    ep_exfil,
    ep_keys,
    ep_keyvault,
    ep_quota,
    ep_stealing,
    noise_admin,
    noise_ai,
    noise_kv,
    noise_net,
)
from .context import Ctx
from .emit_ai import Metrics
from .episodes_file import PlacedEpisode, place, write_episodes
from .estate import build_world
from .inventory import write_inventory
from .readme import write_readme
from .registry import Actor, Episode
from .sink import Sink
from .timeutil import DAY, HOUR, parse_start

TABLES = (
    "AzureDiagnostics",
    "ApiManagementGatewayLogs",
    "ApiManagementGatewayLlmLog",
    "AzureMetrics",
    "AzureActivity",
    "AZKVAuditLogs",
    "CommonSecurityLog",
    "DeviceNetworkEvents",
    "AZFWApplicationRule",
    "OfficeActivity",
    "AuditLogs",
    "SecurityAlert",
)
DEFAULT_START = "2026-11-02T00:00:00Z"  # a Monday: the episode schedule assumes the week starts on Monday
DEFAULT_WARMUP_DAYS = 8  # the longest queryPeriod in detections/ (8d): every rule runs from the week's first hour
MARKER = "episodes.yaml"  # a folder holding this file is a previous development week and may be replaced


@dataclass(frozen=True)
class Summary:
    out: Path
    rows: dict[str, int]
    episodes: list[PlacedEpisode]
    seconds: float


def actors() -> tuple[Actor, ...]:
    return noise_ai.ACTORS + noise_kv.ACTORS + noise_admin.ACTORS + noise_net.ACTORS


def episodes() -> tuple[Episode, ...]:
    return (
        ep_quota.EPISODES
        + ep_stealing.EPISODES
        + ep_keys.EPISODES
        + ep_exfil.EPISODES
        + ep_keyvault.EPISODES
        + ep_correlation.EPISODES
    )


def generate(
    out: Path,
    *,
    start: str = DEFAULT_START,
    days: int = 7,
    scale: float = 1.0,
    seed: int = 7,
    warmup_days: int = 0,
) -> Summary:
    """Write the development week to `out`; ValueError for bad arguments or an unsafe target folder.

    `warmup_days` of benign-only history precede `start` (module docstring); the function's default is
    none (tests that do not need baselines stay small), the command's is DEFAULT_WARMUP_DAYS.
    """
    t0 = time.perf_counter()
    begin = parse_start(start)
    if not 1 <= days <= 31:
        raise ValueError(f"--days must be between 1 and 31, got {days}")
    if not 0 <= warmup_days <= 31:
        raise ValueError(f"--warmup-days must be between 0 and 31, got {warmup_days}")
    if not 0 < scale <= 1000:
        raise ValueError(f"--scale must be > 0 and <= 1000, got {scale}")
    _check_target(out)
    end = begin + days * DAY
    tmp = out.parent / f".{out.name}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        world = build_world(seed, begin, end)
        placed = place(episodes(), world)
        rows = _write_tables(tmp, world, placed, seed, scale, begin - warmup_days * DAY)
        write_episodes(tmp / MARKER, world, placed, scale)
        write_inventory(tmp / "inventory", world)
        write_readme(tmp / "README.md", world, rows, actors(), placed, scale, warmup_days)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _swap_in(tmp, out)
    return Summary(out, rows, placed, time.perf_counter() - t0)


def _write_tables(
    folder: Path, world, placed: list[PlacedEpisode], seed: int, scale: float, history: int
) -> dict[str, int]:
    """Every hour from `history` (the warm-up's start) to the week's end; episodes only inside the week."""
    sink = Sink(folder, TABLES, history, world.end)
    metrics = Metrics()
    noise = actors()
    try:
        for hour in range(history, world.end, HOUR):
            index = (hour - world.start) // HOUR  # negative in the warm-up: the week's streams never move
            period = Ctx(world, sink, metrics, None, hour, hour + HOUR)  # type: ignore[arg-type]
            for actor in noise:
                actor.run(Ctx.for_actor(period, seed, actor.key, index, scale))
            for p in placed:
                if p.start < hour + HOUR and p.end > hour:
                    p.episode.run(Ctx.for_actor(period, seed, p.episode.id, index, 1.0), p.start, p.end)
            metrics.flush(sink, world, hour + HOUR)
            sink.flush(hour + HOUR)
        metrics.flush(sink, world, world.end + DAY)
        sink.flush(world.end + DAY)
    finally:
        sink.close()
    return {t: sink.counts[t] for t in TABLES}


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise ValueError(f"--out {out} is not empty and does not hold a development week; refusing to replace it")


def _swap_in(tmp: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
