"""KQL scalar types for recorded samples: strict JSON → typed value, and back to text.

Samples are evidence, so they are read strictly: a number where the table has
a string, a timestamp without a time zone or an int outside 32 bits is an
error, not something to coerce. A silently coerced value would make a test
pass on data Log Analytics could never hold. Kusto's own rules apply where
they differ from JSON's: strings are never null (null becomes ""), datetimes
are UTC instants.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "INTEGER",
    "long": "BIGINT",
    "real": "DOUBLE",
    "bool": "BOOLEAN",
    "datetime": "TIMESTAMP",
    "dynamic": "JSON",
    "guid": "UUID",
    "timespan": "INTERVAL",
    "decimal": "DECIMAL(38, 18)",
}
"""How each KQL type is stored in DuckDB (the types duckdb-kql maps back to KQL)."""

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_TIMESPAN = re.compile(r"^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$")
_REAL_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class ValueTypeError(ValueError):
    """A value does not have its column's type; `code` says which finding to report."""

    def __init__(self, message: str, code: str = "DAC503"):
        super().__init__(message)
        self.code = code


def _describe(value: Any) -> str:
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "an object",
    }
    text = repr(value) if not isinstance(value, (list, dict)) else ("[...]" if isinstance(value, list) else "{...}")
    return f"{kind.get(type(value), type(value).__name__)} ({text[:40]})"


def coerce(value: Any, kql_type: str) -> Any:
    """A JSON value as the Python value of `kql_type`; ValueTypeError when it is not one."""
    if value is None:
        return "" if kql_type == "string" else None
    if kql_type == "dynamic":
        return value
    converter = _CONVERTERS.get(kql_type)
    if converter is None:
        raise ValueTypeError(f"column type {kql_type} cannot be given in samples")
    return converter(value)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueTypeError(f"expected a string, found {_describe(value)}")
    return value


def _integer(bounds: tuple[int, int], name: str):
    def convert(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueTypeError(f"expected an integer ({name}), found {_describe(value)}")
        if not bounds[0] <= value <= bounds[1]:
            raise ValueTypeError(f"{value} does not fit a KQL {name} ({bounds[0]}..{bounds[1]})")
        return value

    return convert


def _real(value: Any) -> float:
    if isinstance(value, str) and value in _REAL_WORDS:
        return _REAL_WORDS[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueTypeError(f"expected a number, found {_describe(value)}")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueTypeError(f"expected true or false, found {_describe(value)}")
    return value


def _guid(value: Any) -> str:
    if not isinstance(value, str) or not _GUID.match(value):
        raise ValueTypeError(f"expected a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), found {_describe(value)}")
    return str(uuid.UUID(value))


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueTypeError(f"expected a decimal number, found {_describe(value)}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueTypeError(f"expected a decimal number, found {_describe(value)}") from None


def parse_datetime(value: Any) -> datetime:
    """ISO-8601 with an explicit zone (`Z` or `+02:00`) → aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueTypeError(f"expected an ISO-8601 timestamp string, found {_describe(value)}")
    m = _DATETIME.match(value.strip())
    if not m:
        raise ValueTypeError(f"'{value}' is not an ISO-8601 timestamp (e.g. 2024-05-01T12:00:00Z)")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    if zone is None:
        raise ValueTypeError(
            f"timestamp '{value}' has no time zone; write it in UTC with a Z (…T12:00:00Z) or with an offset",
            code="DAC504",
        )
    fraction = fraction or ""
    if len(fraction) == 7 and fraction[6] != "0":
        raise ValueTypeError(f"timestamp '{value}' has 100-ns precision; the embedded engine keeps microseconds")
    micro = int((fraction[:6]).ljust(6, "0")) if fraction else 0
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    except ValueError as exc:
        raise ValueTypeError(f"'{value}' is not a valid date/time: {exc}") from None
    zone = zone.upper()
    offset = timedelta(0)
    if zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (naive - offset).replace(tzinfo=UTC)


def parse_timespan(value: Any) -> timedelta:
    """Kusto timespan text (`[-][d.]hh:mm:ss[.fffffff]`) or a duration (`5m`, `PT5M`)."""
    if not isinstance(value, str):
        raise ValueTypeError(f"expected a timespan string such as 01:30:00, found {_describe(value)}")
    m = _TIMESPAN.match(value.strip())
    if m:
        neg, days, hours, minutes, seconds, fraction = m.groups()
        micro = int((fraction or "")[:6].ljust(6, "0")) if fraction else 0
        span = timedelta(
            days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=int(seconds), microseconds=micro
        )
        return -span if neg else span
    from ..content.durations import parse_duration

    try:
        return parse_duration(value)
    except ValueError:
        raise ValueTypeError(f"'{value}' is not a timespan (use [d.]hh:mm:ss, 5m or PT5M)") from None


_CONVERTERS = {
    "string": _string,
    "int": _integer(_INT32, "int"),
    "long": _integer(_INT64, "long"),
    "real": _real,
    "bool": _bool,
    "datetime": parse_datetime,
    "guid": _guid,
    "timespan": parse_timespan,
    "decimal": _decimal,
}


def format_datetime(value: datetime) -> str:
    """UTC instant → the ISO form Kusto prints (`2024-05-01T12:00:00Z`, fractions only when present)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def format_timespan(value: timedelta) -> str:
    """timedelta → Kusto's `[-][d.]hh:mm:ss[.fffffff]`."""
    ticks = (value.days * 86400 + value.seconds) * 10**7 + value.microseconds * 10
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, rest = divmod(ticks, 86400 * 10**7)
    hours, rest = divmod(rest, 3600 * 10**7)
    minutes, rest = divmod(rest, 60 * 10**7)
    seconds, frac = divmod(rest, 10**7)
    text = (f"{days}." if days else "") + f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return sign + text + (f".{frac:07d}" if frac else "")


def kql_literal(value: Any, kql_type: str) -> str:
    """A Python value as a KQL literal of `kql_type` (for `datatable` rows on ADX)."""
    import json

    if value is None:
        return {"string": '""', "dynamic": "dynamic(null)"}.get(kql_type, f"{kql_type}(null)")
    if kql_type == "string":
        return json.dumps(value, ensure_ascii=False)
    if kql_type == "dynamic":
        return f"dynamic({json.dumps(value, ensure_ascii=False)})"
    if kql_type == "datetime":
        return f"datetime({format_datetime(value)})"
    if kql_type == "timespan":
        return f"timespan({format_timespan(value)})"
    if kql_type == "bool":
        return "true" if value else "false"
    if kql_type == "guid":
        return f"guid({value})"
    if kql_type == "real":
        if math.isnan(value):
            return "real(nan)"
        if math.isinf(value):
            return "real(+inf)" if value > 0 else "real(-inf)"
        return f"real({value!r})"
    if kql_type in ("int", "long"):
        return f"{kql_type}({value})"
    if kql_type == "decimal":
        return f"decimal({value})"
    raise ValueError(f"no KQL literal for type {kql_type}")


def to_text(value: Any) -> str:
    """A value the way KQL's tostring() renders it (used for custom details and titles)."""
    import json

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, timedelta):
        return format_timespan(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)
