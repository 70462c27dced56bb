"""Corrections to duckdb-kql 1.1.2 that keep the embedded engine from answering wrongly.

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
    _installed = True


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
