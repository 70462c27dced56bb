"""Prefix-preserving IP pseudonyms that keep an address's kind (private stays private, public public).

Crypto-PAn's construction (Fan, Xu, Ammar, Moon: "Prefix-preserving IP address anonymization",
Computer Networks 46(2), 2004): bit i of the output is bit i of the input XOR a keyed function of
the input's first i bits. Two addresses sharing a k-bit prefix therefore share a k-bit prefix after
pseudonymisation, so subnets stay subnets. We use HMAC-SHA256 as the keyed function and force it to
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
import hmac
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


def _paths(ranges: tuple[str, ...], bits: int) -> frozenset[str]:
    """Every proper prefix (as a bit string) of every special range: where the flip is forced to 0."""
    out: set[str] = set()
    for text in ranges:
        net = ipaddress.ip_network(text)
        prefix = format(int(net.network_address), f"0{bits}b")[: net.prefixlen]
        out.update(prefix[:i] for i in range(net.prefixlen))
    return frozenset(out)


class IpPseudonymiser:
    def __init__(self, key: bytes):
        self._key = key
        self._cache: dict[str, str] = {}
        self._bits: dict[tuple[int, str], int] = {}

    @cached_property
    def _fixed(self) -> dict[int, frozenset[str]]:
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
            bits = addr.max_prefixlen
            value = self._permute(format(int(addr), f"0{bits}b"), bits)
            out = str(ipaddress.ip_address(int(value, 2)) if bits == 32 else ipaddress.IPv6Address(int(value, 2)))
        self._cache[text] = out
        return out

    def _permute(self, bits_in: str, width: int) -> str:
        fixed = self._fixed[width]
        out = []
        for i in range(width):
            prefix = bits_in[:i]
            flip = 0 if prefix in fixed else self._bit(width, prefix)
            out.append("1" if (bits_in[i] == "1") ^ bool(flip) else "0")
        result = "".join(out)
        if result == bits_in:
            # A fixed point would leave the address as it was. Its sibling (last bit flipped) shares every
            # flip decision, so it is a fixed point too: swapping the two keeps the mapping a bijection and
            # prefix-preserving down to /31, and no address survives unchanged.
            result = result[:-1] + ("0" if result[-1] == "1" else "1")
        return result

    def _bit(self, width: int, prefix: str) -> int:
        key = (width, prefix)
        bit = self._bits.get(key)
        if bit is None:
            bit = self._bits[key] = hmac.new(self._key, f"ip{width}:{prefix}".encode(), hashlib.sha256).digest()[0] & 1
        return bit


def is_special(text: str) -> bool:
    addr = ipaddress.ip_address(text)
    ranges = SPECIAL_V4 if addr.version == 4 else SPECIAL_V6
    return any(addr in ipaddress.ip_network(r) for r in ranges)
