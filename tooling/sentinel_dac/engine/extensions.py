"""Corrections and additions to duckdb-kql 1.1.2's function registry, and the DuckDB macros behind them.

duckdb-kql keeps its KQL → DuckDB mappings as data (`translate.functions`:
"growing support means adding rows"), so a correction is a replaced row, not
a fork. Each one fixes a measured wrong answer and has a test
(tests/test_engine_extensions.py); `install()` is idempotent and is called
by the embedded engine before it translates anything.

* `make_set(x, MaxSize)` / `make_list(x, MaxSize)`: 1.1.2 accepts the second
  argument and ignores it, returning every value. Kusto caps the array at
  MaxSize elements ("make_set(Expr [, MaxSize])": "The limit on the maximum
  number of elements returned", KQL reference). Rules use it constantly
  (`make_set(Id, 50)`), and custom details show those arrays to analysts.
* `base64_decode_tostring(s)` on bytes that are not UTF-8: 1.1.2 returns the bytes
  escaped as text (`String\\xD0...`); the docs say the result is null (Kusto's empty
  string), conformance case base64-decode-tostring-invalid-utf8.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from duckdb_kql.translate import functions as F

    for name in ("make_set", "make_list"):
        original = F.AGGREGATE_FUNCTIONS.get(name)
        if original is not None and not isinstance(original, _Capped):
            F.AGGREGATE_FUNCTIONS[name] = _capped(original, F.AggregateSpec)
    base64 = "coalesce(try(decode(try(from_base64({0})))), '')"
    for name in ("base64_decode_tostring", "base64_decodestring"):
        if name in F.SCALAR_FUNCTIONS:
            F.SCALAR_FUNCTIONS[name] = _replace(F.SCALAR_FUNCTIONS[name], template=base64, kind="template")
    _Forms = _arity_forms(F.FunctionSpec)
    for name, (template, arities, source) in ADDED_SCALARS.items():
        F.SCALAR_FUNCTIONS.setdefault(name, _Forms(name, "template", template, arities, (), _note(source)))
    for name, (base, prefix, source) in ADDED_AGGREGATE_ALIASES.items():
        spec = F.AGGREGATE_FUNCTIONS[base]
        F.AGGREGATE_FUNCTIONS.setdefault(name, _alias(spec, name=name, name_prefix=prefix, note=_note(source)))
    _AggForms = _arity_forms(F.AggregateSpec)
    for name, (template, arities, prefix, source) in {**ADDED_AGGREGATES, **_conditional(F)}.items():
        F.AGGREGATE_FUNCTIONS.setdefault(
            name, _AggForms(name, template, arities, name_prefix=prefix, note=_note(source))
        )
    _installed = True


_FILTER = "FILTER (WHERE {0} IS NOT NULL)"


def conditional_aggregates() -> dict[str, tuple[str, tuple[int, ...], str, str]]:
    from duckdb_kql.translate import functions as F

    return _conditional(F)


def _conditional(F) -> dict[str, tuple[str, tuple[int, ...], str, str]]:
    """make_set_if / make_list_if: duckdb-kql's own make_set / make_list rows with the predicate added.

    `make_set_if(Expr, Predicate [, MaxSize])`: make_set over the rows where Predicate is true
    (https://learn.microsoft.com/kusto/query/make-set-if-aggregation-function). Derived from the
    registry's rows so both stay one definition; absent when that row changes shape (then refused).
    """
    out = {}
    for base, prefix in (("make_set", "set"), ("make_list", "list")):
        spec = F.AGGREGATE_FUNCTIONS.get(base)
        if spec is None or spec.template.count(_FILTER) != 1:
            continue
        two = spec.template.replace(_FILTER, "FILTER (WHERE {0} IS NOT NULL AND coalesce(({1}), FALSE))")
        if two.startswith("to_json("):
            three = f"to_json(list_slice(CAST({two} AS JSON[]), 1, CAST({{2}} AS BIGINT)))"
        else:
            three = f"list_slice({two}, 1, CAST({{2}} AS BIGINT))"
        out[f"{base}_if"] = (
            f"{two}|{three}",
            (2, 3),
            prefix,
            f"{_LEARN}{base.replace('_', '-')}-if-aggregation-function",
        )
    return out


def _arity_forms(base):
    """`base` (a scalar or aggregate spec) whose template has one form per arity, separated by `|`, in
    `arities` order; a single form, or a wrong argument count, is left to duckdb-kql's own rendering."""
    from dataclasses import dataclass as _dc

    @_dc(frozen=True)
    class Forms(base):  # type: ignore[misc, valid-type]
        def render(self, args: list[str]) -> str:
            forms = self.template.split("|")
            if len(forms) == 1 or len(args) not in self.arities:
                return super().render(args)
            return forms[self.arities.index(len(args))].format(*args)

    return Forms


def install_macros(con) -> None:
    """Create the DuckDB functions and macros the added functions call (idempotent; once per connection)."""
    from .xxhash64 import kql_hash_text, kql_hash_ticks

    for name, fn, kind in (
        ("sdac_xxh64_text", kql_hash_text, "VARCHAR"),
        ("sdac_xxh64_ticks", kql_hash_ticks, "BIGINT"),
    ):
        with contextlib.suppress(Exception):  # not registered yet on this connection
            con.remove_function(name)
        con.create_function(name, fn, [kind, "BIGINT"], "BIGINT", null_handling="special")
    for statement in MACROS:
        con.execute(statement)


def _note(source: str) -> str:
    return f"added by sentinel-dac ({source})"


def _alias(spec, **changes):
    import dataclasses

    return dataclasses.replace(spec, **changes)


_LEARN = "https://learn.microsoft.com/kusto/query/"

ADDED_SCALARS: dict[str, tuple[str, tuple[int, ...], str]] = {
    # name: (DuckDB template, arities, Microsoft's reference page)
    "extract_json": ("sdac_extract_json({0}, {1})", (2,), _LEARN + "extract-json-function"),
    "extractjson": ("sdac_extract_json({0}, {1})", (2,), _LEARN + "extract-json-function"),
    "ipv4_is_private": ("sdac_ipv4_is_private({0})", (1,), _LEARN + "ipv4-is-private-function"),
    "ipv4_is_in_range": ("sdac_ipv4_is_in_range({0}, {1})", (2,), _LEARN + "ipv4-is-in-range-function"),
    "ipv4_is_match": ("sdac_ipv4_is_in_range({0}, {1})", (2,), _LEARN + "ipv4-is-match-function"),
    "bag_keys": (
        "CASE WHEN json_type(TRY_CAST({0} AS JSON)) = 'OBJECT' THEN to_json(json_keys(TRY_CAST({0} AS JSON))) END",
        (1,),
        _LEARN + "bag-keys-function",
    ),
    "hash": ("sdac_hash({0}, NULL)|sdac_hash({0}, {1})", (1, 2), _LEARN + "hash-function"),
    "hash_xxhash64": ("sdac_hash({0}, NULL)|sdac_hash({0}, {1})", (1, 2), _LEARN + "hash-xxhash64-function"),
    "set_difference": (
        "to_json(sdac_distinct(list_filter(CAST(to_json({0}) AS JSON[]), "
        "lambda x: NOT list_contains(CAST(to_json({1}) AS JSON[]), x))))",
        (2,),
        _LEARN + "set-difference-function",
    ),
}
"""Scalar functions: each maps to SQL over the macros below."""

ADDED_AGGREGATE_ALIASES: dict[str, tuple[str, str, str]] = {
    # deprecated names Sentinel still runs: (the function they alias, output-name prefix, source)
    "makeset": ("make_set", "set", _LEARN + "make-set-aggregation-function"),
    "makelist": ("make_list", "list", _LEARN + "make-list-aggregation-function"),
    "count_distinct": ("dcount", "count_distinct", _LEARN + "count-distinct-aggregation-function"),
}
"""Aggregations that are another one under a different name (count_distinct is exact; so is dcount here)."""

ADDED_AGGREGATES: dict[str, tuple[str, tuple[int, ...], str | None, str]] = {
    "minif": ("min({0}) FILTER (WHERE coalesce(({1}), FALSE))", (2,), None, _LEARN + "minif-aggregation-function"),
    "maxif": ("max({0}) FILTER (WHERE coalesce(({1}), FALSE))", (2,), None, _LEARN + "maxif-aggregation-function"),
    "make_bag": (
        "sdac_merge_bags(list(CAST({0} AS JSON)))|sdac_cap_bag(sdac_merge_bags(list(CAST({0} AS JSON))), {1})",
        (1, 2),
        "bag",
        _LEARN + "make-bag-aggregation-function",
    ),
}
"""minif / maxif: min / max over the rows where the predicate is true; null when none is (no row to take).

make_bag: the union of the property bags (a key in several bags: one of its values, here the last).

Templates separated by `|` are the 1-argument and 2-argument forms. make_bag(x, MaxSize) with more
keys than MaxSize fails the query (which keys Kusto keeps is not documented) instead of answering."""

_IP = "split_part(trim(CAST(ip AS VARCHAR)), '/', 1)"
MACROS = (
    f"CREATE OR REPLACE MACRO sdac_ipv4_octets(ip) AS list_transform(string_split({_IP}, '.'), "
    "lambda x: TRY_CAST(x AS BIGINT))",
    f"CREATE OR REPLACE MACRO sdac_ipv4_long(ip) AS CASE WHEN regexp_full_match({_IP}, "
    r"'[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}') AND list_max(sdac_ipv4_octets(ip)) <= 255 "
    "THEN list_reduce(sdac_ipv4_octets(ip), lambda a, b: a * 256 + b) END",
    "CREATE OR REPLACE MACRO sdac_ipv4_bits(ip) AS CASE WHEN contains(CAST(ip AS VARCHAR), '/') "
    "THEN TRY_CAST(split_part(CAST(ip AS VARCHAR), '/', 2) AS BIGINT) ELSE 32 END",
    "CREATE OR REPLACE MACRO sdac_ipv4_same(a, b, bits) AS "
    "(sdac_ipv4_long(a) >> (32 - bits)) = (sdac_ipv4_long(b) >> (32 - bits))",
    # 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918), as the KQL reference lists them
    "CREATE OR REPLACE MACRO sdac_ipv4_is_private(ip) AS CASE WHEN sdac_ipv4_long(ip) IS NOT NULL THEN "
    "sdac_ipv4_same(ip, '10.0.0.0', 8) OR sdac_ipv4_same(ip, '172.16.0.0', 12) "
    "OR sdac_ipv4_same(ip, '192.168.0.0', 16) END",
    "CREATE OR REPLACE MACRO sdac_ipv4_is_in_range(ip, net) AS "
    "sdac_ipv4_same(ip, net, least(sdac_ipv4_bits(ip), sdac_ipv4_bits(net)))",
    # Kusto's JSONPath: $.a.b, $['a'], $.a[0]; the value as a string (objects/arrays as JSON text)
    "CREATE OR REPLACE MACRO sdac_extract_json(path, text) AS "
    "json_extract_string(TRY_CAST(CAST(text AS VARCHAR) AS JSON), CAST(path AS VARCHAR))",
    "CREATE OR REPLACE MACRO sdac_cap_bag(b, cap) AS CASE WHEN len(json_keys(b)) <= cap THEN b "
    "ELSE error('make_bag(x, MaxSize): more keys than MaxSize; which ones Kusto keeps is not documented, "
    "so the embedded engine does not guess') END",
    # hash(): XXH64 of a string's UTF-8 bytes or a datetime's ticks (xxhash64.py); other types are
    # refused when a row reaches them (the bytes Kusto hashes for them are not documented)
    "CREATE OR REPLACE MACRO sdac_hash(x, m) AS CASE WHEN x IS NULL THEN NULL "
    "WHEN typeof(x) = 'VARCHAR' THEN sdac_xxh64_text(CAST(x AS VARCHAR), CAST(m AS BIGINT)) "
    "WHEN typeof(x) LIKE 'TIMESTAMP%' THEN sdac_xxh64_ticks(epoch_us(CAST(x AS TIMESTAMP)) * 10 "
    "+ 621355968000000000, CAST(m AS BIGINT)) "
    "ELSE error('hash() of a ' || typeof(x) || ' value is not supported by the embedded engine "
    "(only string and datetime: the bytes Kusto hashes for other types are not documented)') END",
    "CREATE OR REPLACE MACRO sdac_distinct(l) AS list_filter(l, lambda x, i: list_position(l, x) = i)",
    "CREATE OR REPLACE MACRO sdac_merge_bags(bags) AS coalesce(CASE WHEN len(list_filter(bags, "
    "lambda y: json_type(y) = 'OBJECT')) > 0 THEN list_reduce(list_filter(bags, lambda y: json_type(y) = 'OBJECT'), "
    "lambda a, b: json_merge_patch(a, b)) END, '{}'::JSON)",
)


def _replace(spec, **changes):
    import dataclasses

    return dataclasses.replace(spec, note=(spec.note + " " if spec.note else "") + "sentinel-dac correction", **changes)


def _capped(original, base):
    @dataclass(frozen=True)
    class Capped(base, _Capped):  # type: ignore[misc, valid-type]
        def render(self, args: list[str]) -> str:
            if len(args) != 2:
                return super().render(args)
            inner = super().render(args[:1])
            cap = f"CAST({args[1]} AS BIGINT)"
            if inner.startswith("to_json(") and inner.endswith(")"):  # make_set: a JSON array
                return f"to_json(list_slice(CAST({inner} AS JSON[]), 1, {cap}))"
            return f"list_slice({inner}, 1, {cap})"

    fields = {f: getattr(original, f) for f in original.__dataclass_fields__}
    fields["note"] = (original.note + " " if original.note else "") + "MaxSize honoured (sentinel-dac correction)"
    return Capped(**fields)


class _Capped:
    """Marker: the row already carries the correction."""
