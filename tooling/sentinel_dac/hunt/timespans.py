"""`--timespan`: an ISO-8601 duration ending now (`P7D`) or an interval (`START/END`, `START/P1D`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..content.durations import parse_duration
from ..errors import UsageError


def parse_timespan(text: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """(start, end) as aware UTC datetimes; UsageError naming the option on anything else."""
    try:
        if "/" not in text:
            end = now or datetime.now(UTC)
            return end - _duration(text), end
        a, b = text.split("/", 1)
        if a.upper().startswith("P"):
            end = _instant(b)
            return end - _duration(a), end
        start = _instant(a)
        end = start + _duration(b) if b.upper().startswith("P") else _instant(b)
    except ValueError as exc:
        raise UsageError(
            f"--timespan '{text}': {exc} (use a duration like P7D or PT12H, or START/END, START/DURATION)"
        ) from None
    if end <= start:
        raise UsageError(f"--timespan '{text}': the end must be after the start")
    return start, end


def _duration(text: str) -> timedelta:
    value = parse_duration(text)
    if value <= timedelta(0):
        raise ValueError("the duration must be positive")
    return value


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
