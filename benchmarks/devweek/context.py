"""What an actor sees while generating one period: the world, its own random stream, the sink.

Each (actor, period) pair gets its own `random.Random` seeded from the run's
seed, the actor's key and the period index. Actors therefore never disturb one
another: adding an episode leaves every benign row byte-identical, and the
output does not depend on the order actors run in.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .timeutil import HOUR

if TYPE_CHECKING:
    from .emit_ai import Metrics
    from .sink import Sink
    from .world import World


@dataclass
class Ctx:
    world: World
    sink: Sink
    metrics: Metrics
    rng: random.Random
    start: int
    end: int
    volume: float = 1.0  # --scale for benign noise; 1.0 for labelled episodes

    @classmethod
    def for_actor(cls, base: Ctx, seed: int, key: str, index: int, volume: float) -> Ctx:
        rng = random.Random(f"devweek/{seed}/{key}/{index}")
        return cls(base.world, base.sink, base.metrics, rng, base.start, base.end, volume)

    # -- randomness -------------------------------------------------------------------------
    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hexid(self, chars: int) -> str:
        return f"{self.rng.getrandbits(chars * 4):0{chars}x}"

    def count(self, mean: float) -> int:
        """A Poisson-like count with the given mean, times this actor's volume."""
        m = mean * self.volume
        if m <= 0:
            return 0
        if m > 40:
            return max(0, round(self.rng.gauss(m, math.sqrt(m))))
        limit, k, p = math.exp(-m), 0, self.rng.random()
        while p > limit:
            k += 1
            p *= self.rng.random()
        return k

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # -- time -------------------------------------------------------------------------------
    def contains(self, t: int) -> bool:
        return self.start <= t < self.end

    def span(self, a: int | None = None, b: int | None = None) -> tuple[int, int]:
        """This period clipped to [a, b)."""
        return max(self.start, a if a is not None else self.start), min(self.end, b if b is not None else self.end)

    def arrivals(self, per_hour: float, a: int | None = None, b: int | None = None) -> list[int]:
        """Sorted random event times in this period ∩ [a, b) at `per_hour` (times volume)."""
        lo, hi = self.span(a, b)
        if hi <= lo or per_hour <= 0:
            return []
        n = self.count(per_hour * (hi - lo) / HOUR)
        rnd = self.rng.random
        width = hi - lo
        return sorted(lo + int(rnd() * width) for _ in range(n))

    def every(self, interval: int, phase: int, a: int | None = None, b: int | None = None) -> list[int]:
        """Regular ticks (`phase` + k·`interval`) in this period ∩ [a, b): pollers and schedulers."""
        lo, hi = self.span(a, b)
        first = lo + ((phase - lo) % interval)
        return list(range(first, hi, interval))
