"""Prefix-preserving IP pseudonyms that keep an address's kind (private stays private, public public).

Crypto-PAn's construction (Fan, Xu, Ammar, Moon: "Prefix-preserving IP address anonymization",
Computer Networks 46(2), 2004): bit i of the output is bit i of the input XOR a keyed function of
the input's first i bits. Two addresses sharing a k-bit prefix therefore share a k-bit prefix after
pseudonymisation, so subnets stay subnets. We use keyed BLAKE2b as the keyed function (the same secret key as the
HMAC pseudonyms; an address costs up to 32 calls, so the faster MAC matters) and force it to
0 on every proper prefix of a special range (private, loopback, link-local, CGNAT, documentation,
multicast…): an address inside such a range keeps the range's prefix and only its host bits change,
and an address outside can never be mapped into one (it keeps the bit where it leaves the range's
path). The price is that the few leading bits on those paths are not permuted for public
addresses, which is documented rather than hidden.

Documentation ranges are not used as targets: a real week holds far more addresses than
192.0.2.0/24 and friends, and collapsing them would merge entities.
"""

from __future__ import annotations

import hashlib
import ipaddress
from functools import cached_property

SPECIAL_V4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
)
SPECIAL_V6 = ("::/8", "fc00::/7", "fe80::/10", "ff00::/8", "2001:db8::/32", "64:ff9b::/96")


def _paths(ranges: tuple[str, ...], bits: int) -> frozenset[tuple[int, int]]:
    """Every proper prefix (length, value) of every special range: where the flip is forced to 0."""
    out: set[tuple[int, int]] = set()
    for text in ranges:
        net = ipaddress.ip_network(text)
        value = int(net.network_address)
        out.update((i, value >> (bits - i)) for i in range(net.prefixlen))
    return frozenset(out)


class IpPseudonymiser:
    def __init__(self, key: bytes):
        self._prf = hashlib.blake2b(key=key[:64], digest_size=16, person=b"sdac-ip")
        """Keyed BLAKE2b (a MAC by design, RFC 7693 §1): one call per address bit, several times faster than HMAC."""
        self._cache: dict[str, str] = {}
        self._bits: dict[tuple[int, int, int], int] = {}

    @cached_property
    def _fixed(self) -> dict[int, frozenset[tuple[int, int]]]:
        return {32: _paths(SPECIAL_V4, 32), 128: _paths(SPECIAL_V6, 128)}

    def __call__(self, text: str) -> str:
        """The pseudonym of an address given as text; ValueError if `text` is not an address."""
        known = self._cache.get(text)
        if known is not None:
            return known
        addr = ipaddress.ip_address(text)
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            out = "::ffff:" + self(str(addr.ipv4_mapped))
        else:
            value = self._permute(int(addr), addr.max_prefixlen)
            out = str(ipaddress.IPv4Address(value) if addr.version == 4 else ipaddress.IPv6Address(value))
        self._cache[text] = out
        return out

    def _permute(self, value: int, width: int) -> int:
        """Bit i flipped by PRF(first i bits), MSB first; the first i bits of the input decide, so prefixes map
        to prefixes."""
        fixed = self._fixed[width]
        out = value
        for i in range(width):
            prefix = value >> (width - i)
            if (i, prefix) not in fixed and self._bit(width, i, prefix):
                out ^= 1 << (width - 1 - i)
        if out == value:
            # A fixed point would leave the address as it was. Its sibling (last bit flipped) shares every
            # flip decision, so it is a fixed point too: swapping the two keeps the mapping a bijection and
            # prefix-preserving down to /31, and no address survives unchanged.
            out ^= 1
        return out

    def _bit(self, width: int, length: int, prefix: int) -> int:
        key = (width, length, prefix)
        bit = self._bits.get(key)
        if bit is None:
            mac = self._prf.copy()
            mac.update(f"{width}:{length}:{prefix}".encode())
            bit = self._bits[key] = mac.digest()[0] & 1
        return bit


def is_special(text: str) -> bool:
    addr = ipaddress.ip_address(text)
    ranges = SPECIAL_V4 if addr.version == 4 else SPECIAL_V6
    return any(addr in ipaddress.ip_network(r) for r in ranges)
