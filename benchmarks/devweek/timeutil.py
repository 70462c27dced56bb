"""Time as integer microseconds since the Unix epoch, and the organisation's working rhythm.

Integers keep generation exact and fast (no float drift, so the same seed gives
the same bytes on every machine); `iso()` renders the ISO-8601 `Z` form the
recorded-sample format expects. All times are UTC: the synthetic organisation
works 08:00-18:00 UTC, Monday to Friday.
"""

from __future__ import annotations

import calendar
import re
import time

US = 1_000_000
MINUTE = 60 * US
HOUR = 60 * MINUTE
DAY = 24 * HOUR
_DOTNET_EPOCH_TICKS = 621_355_968_000_000_000  # 0001-01-01 to 1970-01-01 in 100 ns ticks

_START_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:Z|\+00:00)$")

# Relative activity by hour of a working day (UTC); weekends and nights are quiet, not silent.
_OFFICE = (
    *(0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.25),  # 00-07
    *(0.75, 1.0, 1.0, 0.95, 0.6, 0.9, 1.0, 0.95, 0.8, 0.45),  # 08-17
    *(0.2, 0.1, 0.07, 0.05, 0.03, 0.02),  # 18-23
)
_WEEKEND_FACTOR = 0.06


def parse_start(text: str) -> int:
    """`2026-11-02T00:00:00Z` → µs; midnight UTC only (episodes are placed at day + hh:mm)."""
    m = _START_RE.match(text.strip())
    if not m:
        raise ValueError(f"--start must look like 2026-11-02T00:00:00Z (UTC), got '{text}'")
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 60):
        raise ValueError(f"--start '{text}' is not a valid date and time")
    secs = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))
    if time.gmtime(secs)[:3] != (y, mo, d):
        raise ValueError(f"--start '{text}' is not a valid date")
    if (h, mi, s) != (0, 0, 0):
        raise ValueError(f"--start '{text}' must be midnight UTC: episodes are scheduled by day and hour")
    return int(secs) * US


_minute_cache: dict[int, str] = {}


def iso(us: int) -> str:
    """`2026-11-02T09:15:03.123456Z` (fixed width, so text order is time order)."""
    sec, frac = divmod(us, US)
    minute, s = divmod(sec, 60)
    head = _minute_cache.get(minute)
    if head is None:
        if len(_minute_cache) > 100_000:
            _minute_cache.clear()
        head = _minute_cache[minute] = time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))
    return f"{head}{s:02d}.{frac:06d}Z"


def iso_seconds(us: int) -> str:
    """Whole-second form, for values that carry no fractions (e.g. request bodies)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(us // US))


def dotnet_ticks(us: int) -> int:
    """.NET ticks, the form Azure OpenAI logs `requestTime`/`responseTime` in (content-logs §1.2)."""
    return us * 10 + _DOTNET_EPOCH_TICKS


def weekday(us: int) -> int:
    """Monday = 0 (1970-01-01 was a Thursday)."""
    return (us // DAY + 3) % 7


def hour_of_day(us: int) -> int:
    return (us % DAY) // HOUR


def office(us: int) -> float:
    """Relative office activity at `us`: 1.0 at a weekday's busiest hour."""
    factor = _OFFICE[hour_of_day(us)]
    return factor * _WEEKEND_FACTOR if weekday(us) >= 5 else factor


def round_the_clock(us: int) -> float:
    """Services used by people and machines alike: busy in office hours, never idle."""
    return 0.35 + 0.65 * office(us)


def at(start: int, day: int, hhmm: str) -> int:
    """`start` + `day` days at `hh:mm` (episodes are scheduled relative to the week's start)."""
    h, m = (int(x) for x in hhmm.split(":"))
    return start + day * DAY + h * HOUR + m * MINUTE
