"""`evaluate bag_unpack(...)` as a pipeline stage: a dynamic column's top-level slots become columns.

Microsoft's definition (https://learn.microsoft.com/kusto/query/bag-unpack-plugin): as many records
as the input; the unpacked column is removed; one column per distinct top-level slot of the bags,
named after the slot (with OutputColumnPrefix when given), typed as the slot's values when they all
have one type, else `dynamic`; `columnsConflict` decides a slot named like an existing column
(`error`, the default, fails the query; `replace_source` replaces the column; `keep_source` keeps
it); `ignoredProperties` are skipped. The output schema depends on the data — on an empty input
there are no slot columns, which is why rules read them with `column_ifexists` (resolved against
this stage's real output, see `prepare.py`). The documented example lists the new columns in name
order (`Age`, `Name` from `{"Name": …, "Age": …}`); they follow the input's remaining columns.

Not supported (refused at their position): an OutputSchema (`: (...)`), a column argument that is
an expression rather than a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import QueryFailed, UnsupportedKql
from .stages import Span, Stage, StageRunner, _constants, _span, plugin_tokens
from .syntax import Mapped, Operator, split_top_level

_NAMED = ("outputcolumnprefix", "columnsconflict", "ignoredproperties")
_CONFLICTS = ("error", "replace_source", "keep_source")


@dataclass
class BagUnpack(Stage):
    column: str
    column_at: int
    options: dict[str, Span]  # lower-cased option name -> its expression

    open_schema: ClassVar[bool] = True

    @classmethod
    def parse(cls, op: Operator) -> BagUnpack:
        toks = plugin_tokens(op)
        if len(toks) < 3 or toks[0].text.lower() != "bag_unpack" or toks[1].text != "(":
            raise UnsupportedKql("evaluate", "expected `evaluate bag_unpack(Column, ...)`", op.start)
        close = _matching(toks, 1)
        if close + 1 < len(toks):
            raise UnsupportedKql(
                "bag_unpack output schema",
                "evaluate bag_unpack(...) with an output schema `: (...)` is not supported by the embedded engine",
                toks[close + 1].start,
            )
        args = split_top_level(toks[2:close], ",")
        if not args:
            raise UnsupportedKql("evaluate bag_unpack", "bag_unpack needs the column to unpack", toks[0].start)
        first = args[0]
        if len(first) != 1 or not (first[0].text[:1].isalpha() or first[0].text[:1] in "_["):
            raise UnsupportedKql(
                "evaluate bag_unpack",
                "bag_unpack's first argument must be a column (an expression is not supported by the embedded engine)",
                first[0].start,
            )
        options: dict[str, Span] = {}
        for n, arg in enumerate(args[1:]):
            if len(arg) >= 3 and arg[1].text == "=" and arg[0].text.lower() in _NAMED:
                options[arg[0].text.lower()] = _span(arg[2:])
            elif n < len(_NAMED):
                options[_NAMED[n]] = _span(arg)
            else:
                raise UnsupportedKql("evaluate bag_unpack", "bag_unpack takes at most four arguments", arg[0].start)
        return cls(start=op.start, column=first[0].text.strip("[]'\""), column_at=first[0].start, options=options)

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        names = list(self.options)
        values = dict(zip(names, _constants(runner, [self.options[n] for n in names]), strict=True))
        prefix = values.get("outputcolumnprefix") or ""
        conflict = values.get("columnsconflict") or "error"
        if conflict not in _CONFLICTS:
            raise QueryFailed(
                f"bag_unpack: columnsConflict must be one of {', '.join(_CONFLICTS)}, not '{conflict}'",
                self.options["columnsconflict"][0],
            )
        ignored = values.get("ignoredproperties") or []
        table = runner.rows(Mapped().synthetic(source, self.start))
        if self.column not in table.columns:
            raise QueryFailed(f"bag_unpack: no column '{self.column}' in its input", self.column_at)
        index = table.columns.index(self.column)
        slots: dict[str, set[str]] = {}
        for row in table.rows:
            bag = row[index]
            if isinstance(bag, dict):
                for key, value in bag.items():
                    if key not in ignored:
                        kinds = slots.setdefault(key, set())
                        if value is not None:
                            kinds.add(_kql_kind(value))
        kept = [(i, c, t) for i, (c, t) in enumerate(zip(table.columns, table.types, strict=True)) if i != index]
        existing = {c for _, c, _ in kept}
        unpacked = sorted(slots)
        clashes = [k for k in unpacked if prefix + k in existing]
        if clashes and conflict == "error":
            raise QueryFailed(
                f"bag_unpack: slot '{prefix + clashes[0]}' has the name of an existing column; "
                "columnsConflict='error' (the default) fails the query",
                self.start,
            )
        if conflict == "replace_source":
            kept = [k for k in kept if k[1] not in {prefix + c for c in clashes}]
        else:
            unpacked = [k for k in unpacked if k not in clashes]
        columns = [(c, t) for _, c, t in kept] + [(prefix + k, _slot_type(slots[k])) for k in unpacked]
        folded: dict[str, str] = {}
        for name, _ in columns:
            other = folded.setdefault(name.casefold(), name)
            if other != name:
                raise UnsupportedKql(
                    "case-distinct columns",
                    f"bag_unpack makes columns {other} and {name}, which differ only in case; the embedded "
                    "engine (DuckDB) cannot hold both",
                    self.start,
                )
        rows = [
            tuple(row[i] for i, _, _ in kept) + tuple(_slot_value(row[index], k) for k in unpacked)
            for row in table.rows
        ]
        runner.create(into, columns, rows)
        return []


def _matching(toks, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(toks)):
        if toks[i].text in ("(", "[", "{"):
            depth += 1
        elif toks[i].text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return i
    return len(toks) - 1


def _kql_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "real"
    if isinstance(value, str):
        return "string"
    return "dynamic"


def _slot_type(kinds: set[str]) -> str:
    return next(iter(kinds)) if len(kinds) == 1 else "dynamic"


def _slot_value(bag: Any, key: str) -> Any:
    return bag.get(key) if isinstance(bag, dict) else None
