"""XXH64, the hash behind KQL's `hash()` and `hash_xxhash64()`, for the embedded engine.

Kusto: "hash(source [, mod]) … The hash value of the given scalar, modulo the given mod value (if
specified)", computed with xxhash64 (https://learn.microsoft.com/kusto/query/hash-function,
https://learn.microsoft.com/kusto/query/hash-xxhash64-function). The algorithm is xxHash's published
XXH64 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), seed 0, over the value's bytes:
a string's UTF-8 bytes, a datetime's 100 ns ticks since 0001-01-01 as 8 little-endian bytes. Both
readings reproduce Microsoft's documented examples (tests/test_compat.py):
`hash("World")` = 1846988464401551951, `hash("World", 100)` = 51,
`hash(datetime("2015-01-01"))` = 1380966698541616202.

Plain Python (no extra dependency): rules hash a handful of values per alert, the samples are small.
"""

from __future__ import annotations

from datetime import UTC, datetime

_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5
_MASK = (1 << 64) - 1
_TICKS_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _MASK


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _MASK
    return (_rotl(acc, 31) * _P1) & _MASK


def _merge(acc: int, val: int) -> int:
    acc ^= _round(0, val)
    return (acc * _P1 + _P4) & _MASK


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 of `data` as an unsigned 64-bit integer."""
    n = len(data)
    i = 0
    if n >= 32:
        v = [(seed + _P1 + _P2) & _MASK, (seed + _P2) & _MASK, seed & _MASK, (seed - _P1) & _MASK]
        while i + 32 <= n:
            for k in range(4):
                v[k] = _round(v[k], int.from_bytes(data[i + 8 * k : i + 8 * k + 8], "little"))
            i += 32
        acc = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & _MASK
        for lane in v:
            acc = _merge(acc, lane)
    else:
        acc = (seed + _P5) & _MASK
    acc = (acc + n) & _MASK
    while i + 8 <= n:
        acc ^= _round(0, int.from_bytes(data[i : i + 8], "little"))
        acc = (_rotl(acc, 27) * _P1 + _P4) & _MASK
        i += 8
    if i + 4 <= n:
        acc ^= (int.from_bytes(data[i : i + 4], "little") * _P1) & _MASK
        acc = (_rotl(acc, 23) * _P2 + _P3) & _MASK
        i += 4
    while i < n:
        acc ^= (data[i] * _P5) & _MASK
        acc = (_rotl(acc, 11) * _P1) & _MASK
        i += 1
    acc ^= acc >> 33
    acc = (acc * _P2) & _MASK
    acc ^= acc >> 29
    acc = (acc * _P3) & _MASK
    acc ^= acc >> 32
    return acc


def kql_hash_text(value: str | None, mod: int | None) -> int | None:
    """KQL `hash(string [, mod])`: XXH64 of the UTF-8 bytes."""
    return None if value is None else _result(xxh64(value.encode("utf-8")), mod)


def kql_hash_ticks(ticks: int | None, mod: int | None) -> int | None:
    """KQL `hash(datetime [, mod])`: XXH64 of the 100 ns ticks since 0001-01-01, 8 bytes little-endian."""
    return None if ticks is None else _result(xxh64(ticks.to_bytes(8, "little", signed=True)), mod)


def ticks_of(moment: datetime) -> int:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    delta = moment - _TICKS_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def _result(unsigned: int, mod: int | None) -> int | None:
    """A long; with `mod`, the unsigned hash modulo `mod` ("between 0 and mod - 1, inclusive")."""
    if mod is not None:
        return unsigned % mod if mod > 0 else None
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned
