"""`evaluate ipv4_lookup(...)` as a pipeline stage: each row joined to the lookup rows whose IPv4 range holds it.

Microsoft's definition (https://learn.microsoft.com/kusto/query/ipv4-lookup-plugin):
`T | evaluate ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey1 .. ExtraKeyN] [, return_unmatched])`.
A row matches a lookup row when its SourceIPv4Key address lies in the lookup row's IPv4LookupKey (a single
address or IP-prefix notation `10.1.0.0/16`; the source may be masked too, and then the shorter prefix
decides, as `ipv4_is_in_range` does) and every ExtraKey is equal in both. The result is a join: its schema
is the input's columns followed by the lookup table's other columns (extra keys once, as `lookup` does),
one row per match; `return_unmatched = true` keeps rows without a match, the lookup columns null. This is
how Sentinel content maps addresses to subnets or networks (an allow-list of CIDR ranges in a watchlist),
which an equality join cannot do.

Refused rather than guessed: a lookup column named like an input column that is not an extra key (the page
does not say how the clash is resolved), and arguments that are expressions rather than column names.
Address matching reuses the engine's `ipv4_is_in_range` (extensions.py), so both agree on every address.
"""

from __future__ import annotations

from dataclasses import dataclass

from .duckdb_tables import q
from .errors import QueryFailed, UnsupportedKql
from .stages import Span, Stage, StageRunner, _append, _constants, _span, plugin_tokens
from .syntax import Operator, Token, split_top_level

_PLUGIN = "evaluate ipv4_lookup"


@dataclass
class Ipv4Lookup(Stage):
    lookup: Span
    source_key: Token
    lookup_key: Token
    extra_keys: list[Token]
    return_unmatched: Span | None

    @classmethod
    def parse(cls, op: Operator) -> Ipv4Lookup:
        toks = plugin_tokens(op)
        if len(toks) < 3 or toks[0].text.lower() != "ipv4_lookup" or toks[1].text != "(" or toks[-1].text != ")":
            raise UnsupportedKql(
                _PLUGIN, "expected `evaluate ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey, ...)`", op.start
            )
        args = split_top_level(toks[2:-1], ",")
        if len(args) < 3 or not all(args):
            raise QueryFailed("ipv4_lookup needs at least LookupTable, SourceIPv4Key and IPv4LookupKey", toks[0].start)
        unmatched: Span | None = None
        last = args[-1]
        if len(last) >= 3 and last[0].text.lower() == "return_unmatched" and last[1].text == "=":
            unmatched, args = _span(last[2:]), args[:-1]
        elif len(args) > 3 and len(last) == 1 and last[0].text.lower() in ("true", "false"):
            unmatched, args = _span(last), args[:-1]
        names = [_column(arg) for arg in args[1:]]
        return cls(
            start=op.start,
            lookup=_span(args[0]),
            source_key=names[0],
            lookup_key=names[1],
            extra_keys=names[2:],
            return_unmatched=unmatched,
        )

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        keep_unmatched = bool(_constants(runner, [self.return_unmatched])[0]) if self.return_unmatched else False
        lookup = f"{into}_lookup"
        text = runner.lets()
        _append(text, runner.fragment(*self.lookup))
        runner.into(text, lookup)
        left, right = runner.columns(source), runner.columns(lookup)
        _require(self.source_key, left, "the input")
        _require(self.lookup_key, right, "the lookup table")
        extra = [k.text.strip("[]'\"") for k in self.extra_keys]
        for key in self.extra_keys:
            _require(key, left, "the input")
            _require(key, right, "the lookup table")
        added = [c for c in right if c not in extra]
        clash = sorted({c.casefold() for c in added} & {c.casefold() for c in left})
        if clash:
            raise UnsupportedKql(
                "ipv4_lookup column clash",
                f"ipv4_lookup: the lookup table's column '{clash[0]}' has the name of an input column that is not "
                "an extra key; how Kusto names it is undocumented, so the embedded engine refuses (project or "
                "rename it first)",
                self.lookup[0],
            )
        source_key, lookup_key = self.source_key.text.strip("[]'\""), self.lookup_key.text.strip("[]'\"")
        on = [f"sdac_ipv4_is_in_range(CAST(s.{q(source_key)} AS VARCHAR), CAST(l.{q(lookup_key)} AS VARCHAR))"]
        on += [f"s.{q(k)} = l.{q(k)}" for k in extra]
        columns = [f"s.{q(c)}" for c in left] + [f"l.{q(c)}" for c in added]
        join = "LEFT JOIN" if keep_unmatched else "JOIN"
        runner.sql_into(
            into,
            f"SELECT {', '.join(columns)} FROM (SELECT *, row_number() OVER () AS __sdac_s FROM {q(source)}) s "
            f"{join} (SELECT *, row_number() OVER () AS __sdac_l FROM {q(lookup)}) l ON {' AND '.join(on)} "
            "ORDER BY s.__sdac_s, l.__sdac_l",
        )
        return []


def _column(arg: list[Token]) -> Token:
    if len(arg) != 1 or not (arg[0].text[:1].isalpha() or arg[0].text[:1] in "_["):
        raise UnsupportedKql(
            _PLUGIN,
            "ipv4_lookup's key arguments must be column names (an expression is not supported by the embedded engine)",
            arg[0].start,
        )
    return arg[0]


def _require(column: Token, columns: list[str], where: str) -> None:
    if column.text.strip("[]'\"") not in columns:
        raise QueryFailed(f"ipv4_lookup: no column '{column.text}' in {where}", column.start)
