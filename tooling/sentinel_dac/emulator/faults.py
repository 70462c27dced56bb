"""Injected faults: throttling, server errors, latency and dropped connections.

Real ARM throttles (429 with Retry-After) and has bad minutes (500, 503); a deploy tool that
has only met a perfect server has not been tested. Faults apply to ARM and query requests, not
to the token endpoint (a credential that cannot get a token tests nothing of ours). A seeded
random generator makes a run repeatable; `stats` records what was injected, so a test can check
both that faults happened and that nothing was lost.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

FAULT_STATUSES = (429, 500, 503)


@dataclass
class FaultConfig:
    error_rate: float = 0.0
    """Share of requests answered with one of `statuses` instead of being served (0-1)."""
    statuses: tuple[int, ...] = FAULT_STATUSES
    retry_after: int = 1
    """Seconds announced in the Retry-After header of 429 and 503 answers."""
    latency_ms: tuple[int, int] = (0, 0)
    """Added delay per request, uniformly between the two bounds (milliseconds)."""
    drop_rate: float = 0.0
    """Share of requests whose connection is closed without an answer (0-1)."""
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("error_rate", "drop_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be between 0 and 1 (found {value})")
        bad = [s for s in self.statuses if s not in FAULT_STATUSES]
        if bad or not self.statuses:
            raise ValueError(f"fault statuses must be some of {FAULT_STATUSES} (found {list(self.statuses)})")
        low, high = self.latency_ms
        if low < 0 or high < low:
            raise ValueError(f"latency must be 'MS' or 'MIN-MAX' milliseconds with MIN <= MAX (found {low}-{high})")


@dataclass(frozen=True)
class Decision:
    delay: float = 0.0
    drop: bool = False
    status: int | None = None


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    stats: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.config.seed)

    def reconfigure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def decide(self) -> Decision:
        with self._lock:
            c = self.config
            self.stats["requests"] += 1
            low, high = c.latency_ms
            delay = self._rng.uniform(low, high) / 1000 if high else 0.0
            if c.drop_rate and self._rng.random() < c.drop_rate:
                self.stats["dropped"] += 1
                return Decision(delay, drop=True)
            if c.error_rate and self._rng.random() < c.error_rate:
                status = self._rng.choice(c.statuses)
                self.stats[status] += 1
                return Decision(delay, status=status)
            self.stats["served"] += 1
            return Decision(delay)


def parse_latency(text: str) -> tuple[int, int]:
    """`50` → (50, 50); `20-80` → (20, 80)."""
    low, _, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise ValueError(f"latency '{text}' must be milliseconds, MS or MIN-MAX") from None
