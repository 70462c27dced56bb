"""Durations as Sentinel accepts them, and back to ISO-8601 for the API.

Azure-Sentinel rule YAML writes `5m`, `1h`, `14d`; Sentinel's template
converter also accepts .NET TimeSpan text (`01:00:00`, `1.00:00:00`); the
REST API speaks ISO-8601 (`PT5M`, `P1D`). We accept all three.
"""

from __future__ import annotations

import re
from datetime import timedelta

_SHORT = re.compile(r"^(\d+)([mhd])$")
_ISO = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2}))?$")

PATTERN = r"^(\d+[mhd]|P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?|(\d+\.)?\d{1,2}:\d{2}(:\d{2})?)$"
"""The same three forms as one regular expression, for the JSON Schemas."""


def parse_duration(text: str) -> timedelta:
    """Parse `5m` / `PT5M` / `00:05:00`; raise ValueError with a clear message."""
    s = str(text).strip()
    m = _SHORT.match(s)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    m = _ISO.match(s)
    if m and s not in ("P", "PT") and not s.endswith("T"):
        d, h, mi, sec = m.groups()
        return timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(mi or 0), seconds=float(sec or 0))
    m = _TIMESPAN.match(s)
    if m:
        d, h, mi, sec = m.groups()
        return timedelta(days=int(d or 0), hours=int(h), minutes=int(mi), seconds=int(sec or 0))
    raise ValueError(f"'{text}' is not a duration (use 5m, 1h, 14d or ISO-8601 such as PT5M, P1D)")


def parse_delay(text: str) -> timedelta:
    """A delay: any duration above, or seconds (`30s`) since ingestion delays are often that short."""
    s = str(text).strip()
    if s.endswith("s") and s[:-1].isdigit():
        return timedelta(seconds=int(s[:-1]))
    return parse_duration(s)


def to_iso(td: timedelta) -> str:
    """timedelta → ISO-8601 the way the Sentinel API returns it (`PT5H`, `P1D`)."""
    total = int(td.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P"
    if days:
        out += f"{days}D"
    if hours or minutes or seconds or not days:
        out += "T"
        if hours:
            out += f"{hours}H"
        if minutes:
            out += f"{minutes}M"
        if seconds or (not hours and not minutes):
            out += f"{seconds}S"
    return out


def to_short(td: timedelta) -> str:
    """timedelta → the short form rule YAML uses (`5m`, `1h`, `14d`)."""
    total = int(td.total_seconds())
    if total % 86400 == 0:
        return f"{total // 86400}d"
    if total % 3600 == 0:
        return f"{total // 3600}h"
    return f"{total // 60}m"


def human(td: timedelta) -> str:
    return to_short(td) if td.total_seconds() % 60 == 0 else f"{td.total_seconds():g}s"
