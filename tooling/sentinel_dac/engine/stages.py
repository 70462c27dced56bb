"""Pipeline stages: tabular operators duckdb-kql lacks, run natively between its steps.

A stage reads the table holding the pipeline's result so far and writes a new
one; the pipeline then continues on duckdb-kql. Sub-expressions (aggregations,
bounds, group keys, constant arguments) are still evaluated by duckdb-kql, so
KQL semantics stay in one place; only the operator's own logic is here:

* `make-series`: bins `[from, to)` by `step`, one array per aggregation and an
  axis array, absent bins filled with `default` (0), rows outside the range
  dropped, empty input → no rows unless `kind=nonempty` (conformance cases
  make-series-* from Microsoft's docs check each of these).
* `extend (a, b, c) = series_decompose_anomalies(col, ...)` and the other
  `series_*` functions in `SERIES_FUNCTIONS` (`series.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from . import series as S
from .errors import UnsupportedKql
from .kqltypes import kql_literal
from .syntax import Mapped, Operator, Token, split_top_level

SERIES_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "series_decompose_anomalies": ("ad_flag", "ad_score", "baseline"),
    "series_decompose": ("baseline", "seasonal", "trend", "residual"),
    "series_fit_line": ("rsquare", "slope", "variance", "rvariance", "interception", "line_fit"),
}
"""Functions run natively, with the suffixes of their unnamed output columns."""

STAGE_OPERATORS: dict[str, str] = {
    "make-series": "bins and fills natively; aggregations evaluated by duckdb-kql (stages.py)",
    "mv-apply": "expand, keyed subquery, rows joined back; row-wise operators, project, distinct, "
    "summarize in the subquery (mvapply.py)",
    "project-reorder": "columns reordered natively, patterns and asc/desc (stages.py)",
    "as": "the result so far, also stored as a table of that name for the rest of the query (stages.py)",
    "evaluate": "the `bag_unpack` plugin: slots become columns typed by their values, prefix, columnsConflict, "
    "ignoredProperties; `column_ifexists` after it reads its real output (bagunpack.py). The `ipv4_lookup` "
    "plugin: CIDR join, extra keys, return_unmatched (ipv4lookup.py). Other plugins: no",
}
"""Tabular operators run as pipeline stages (see `parse_stage`)."""


class StageRunner(Protocol):
    """What a stage needs from the engine: run KQL, read rows, write a table."""

    def fragment(self, start: int, end: int) -> Mapped: ...
    def lets(self) -> Mapped: ...
    def rows(self, query: Mapped) -> Any: ...  # a QueryResult
    def create(self, name: str, columns: list[tuple[str, str]], rows: list[tuple]) -> None: ...
    def into(self, query: Mapped, name: str) -> None: ...  # run KQL into a table
    def sql_into(self, name: str, select_sql: str) -> None: ...  # run DuckDB SQL into a table
    def columns(self, table: str) -> list[str]: ...


Span = tuple[int, int]


def _span(toks: list[Token]) -> Span:
    return toks[0].start, toks[-1].end


@dataclass
class Stage:
    start: int

    open_schema: ClassVar[bool] = False
    """True when the output's columns depend on the data (bag_unpack): `column_ifexists` after the stage
    is then resolved against the stage's real output, not the catalogue (prepare.py)."""

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        """Read `source`, write `into`; return notes (e.g. approximations) for the report."""
        raise NotImplementedError


def parse_stage(op: Operator, query: str) -> Stage | None:
    if op.kind == "make-series":
        return MakeSeries.parse(op)
    if op.kind == "project-reorder":
        return ProjectReorder.parse(op)
    if op.kind == "as":
        return AsStage.parse(op)
    if op.kind == "mv-apply":
        from .mvapply import MvApply

        return MvApply.parse(op)
    if op.kind == "extend" and any(t.text in SERIES_FUNCTIONS for t in op.tokens):
        return SeriesExtend.parse(op)
    if op.kind == "evaluate":
        return _evaluate(op)
    return None


def plugin_tokens(op: Operator) -> list[Token]:
    """An `evaluate` operator's tokens from the plugin's name on (`hint.x = y` pairs skipped)."""
    toks = list(op.tokens[1:])
    while len(toks) >= 3 and toks[1].text == "=" and toks[0].text.lower().startswith("hint."):
        toks = toks[3:]
    return toks


def _evaluate(op: Operator) -> Stage:
    """`evaluate bag_unpack(...)` and `evaluate ipv4_lookup(...)` run as stages; any other plugin is refused by name."""
    toks = plugin_tokens(op)
    plugin = toks[0].text if toks else "?"
    if plugin.lower() == "bag_unpack":
        from .bagunpack import BagUnpack

        return BagUnpack.parse(op)
    if plugin.lower() == "ipv4_lookup":
        from .ipv4lookup import Ipv4Lookup

        return Ipv4Lookup.parse(op)
    raise UnsupportedKql(
        f"evaluate {plugin}",
        f"the evaluate plugin {plugin}() is not supported by the embedded engine (supported: bag_unpack, ipv4_lookup)",
        toks[0].start if toks else op.start,
    )


def _constants(runner: StageRunner, spans: list[Span]) -> list[Any]:
    if not spans:
        return []
    q = runner.lets().synthetic("print ", spans[0][0])
    for i, (s, e) in enumerate(spans):
        q.synthetic(f"{', ' if i else ''}__sdac_c{i} = (", s)
        q.pieces.extend((a + len(q.text), b + len(q.text), o) for a, b, o in runner.fragment(s, e).pieces)
        q.text += runner.fragment(s, e).text
        q.synthetic(")", e)
    return list(runner.rows(q).rows[0])


@dataclass
class MakeSeries(Stage):
    nonempty: bool
    aggregations: list[tuple[Span, Span | None]]
    axis: Span
    axis_name: str
    bounds: tuple[Span | None, Span | None]
    step: Span
    by: list[Span]

    @classmethod
    def parse(cls, op: Operator) -> MakeSeries:
        toks = list(op.tokens[1:])
        clauses = _clauses(toks, ("on", "from", "to", "step", "by", "in"))
        head = clauses.get("", [])
        nonempty = False
        while len(head) >= 3 and head[1].text == "=" and head[0].text.lower() in ("kind", "hint.shufflekey"):
            nonempty = nonempty or (head[0].text.lower() == "kind" and head[2].text.lower() == "nonempty")
            head = head[3:]
        if "in" in clauses:
            raise UnsupportedKql(
                "make-series in range()", "make-series … in range(…) is not supported; use from/to/step", op.start
            )
        if "step" not in clauses or "on" not in clauses or not head:
            raise UnsupportedKql("make-series", "make-series needs aggregations, `on` and `step`", op.start)
        aggs = []
        for part in split_top_level(head, ","):
            default = next(
                (
                    i
                    for i, t in enumerate(part)
                    if t.text.lower() == "default" and i + 1 < len(part) and part[i + 1].text == "="
                ),
                None,
            )
            if default is None:
                aggs.append((_span(part), None))
            else:
                aggs.append((_span(part[:default]), _span(part[default + 2 :])))
        axis = clauses["on"]
        if len(axis) != 1:
            raise UnsupportedKql(
                "make-series", "make-series `on` must name a column (e.g. on TimeGenerated)", axis[0].start
            )
        return cls(
            start=op.start,
            nonempty=nonempty,
            aggregations=aggs,
            axis=_span(axis),
            axis_name=axis[0].text.strip("[]'\""),
            bounds=tuple(_span(clauses[k]) if k in clauses else None for k in ("from", "to")),  # type: ignore[arg-type]
            step=_span(clauses["step"]),
            by=[_span(p) for p in split_top_level(clauses.get("by", []), ",")],
        )

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        defaults_spans = [d for _, d in self.aggregations if d is not None]
        given = [b for b in self.bounds if b is not None]
        values = _constants(runner, [self.step, *given, *defaults_spans])
        step, rest = values[0], values[1:]
        bounds = [rest.pop(0) if b is not None else None for b in self.bounds]
        defaults = [rest.pop(0) if d is not None else 0 for _, d in self.aggregations]
        axis = runner.fragment(*self.axis).text
        if None in bounds:
            found = runner.rows(
                runner.lets().synthetic(f"{source} | summarize __mn = min({axis}), __mx = max({axis})", self.start)
            )
            low, high = found.rows[0] if found.rows else (None, None)
            if low is not None:
                bounds[0] = bounds[0] if bounds[0] is not None else _floor(low, step)
                bounds[1] = bounds[1] if bounds[1] is not None else _floor(high, step) + step
        start, stop = bounds
        count = 0 if start is None or stop is None else max(0, math.ceil(_ratio(stop - start, step)))
        # empty bounds: the same aggregation over no rows still names and types the columns
        result = self._aggregate(runner, source, axis, start, stop, step, empty=not count)
        by_names = result.columns[1 : 1 + len(self.by)]
        by_types = result.types[1 : 1 + len(self.by)]
        agg_names = result.columns[1 + len(self.by) :]
        groups: dict[tuple, list[list[Any]]] = {}
        for row in result.rows:
            key = tuple(row[1 : 1 + len(self.by)])
            series = groups.setdefault(key, [[d] * count for d in defaults])
            index = int(row[0])
            for i, value in enumerate(row[1 + len(self.by) :]):
                if 0 <= index < count:
                    series[i][index] = defaults[i] if value is None else value
        if not groups and self.nonempty:
            groups[tuple(None for _ in self.by)] = [[d] * count for d in defaults]
        axis_values = [_axis_value(start + step * i) for i in range(count)]
        columns = [
            *zip(by_names, by_types, strict=True),
            *((n, "dynamic") for n in agg_names),
            (self.axis_name, "dynamic"),
        ]
        rows = [(*key, *arrays, axis_values) for key, arrays in groups.items()]
        runner.create(into, columns, rows)
        return []

    def _aggregate(self, runner: StageRunner, source: str, axis: str, start, stop, step, empty: bool = False):
        if empty:
            where, bin_expr = "false", "0"
        else:
            kind = "datetime" if isinstance(start, datetime) else "real"
            low, high = kql_literal(start, kind), kql_literal(stop, kind)
            step_lit = kql_literal(step, "timespan" if isinstance(step, timedelta) else "real")
            where = f"({axis}) >= {low} and ({axis}) < {high}"
            bin_expr = f"tolong(floor((({axis}) - {low}) / {step_lit}, 1))"
        q = runner.lets().synthetic(f"{source}\n| where {where}\n| summarize ", self.start)
        for i, (span, _) in enumerate(self.aggregations):
            if i:
                q.synthetic(", ", span[0])
            _append(q, runner.fragment(*span))
        q.synthetic(f" by __sdac_bin = {bin_expr}", self.start)
        for span in self.by:
            q.synthetic(", ", span[0])
            _append(q, runner.fragment(*span))
        return runner.rows(q)


def _append(q: Mapped, part: Mapped) -> None:
    q.pieces.extend((a + len(q.text), b + len(q.text), o) for a, b, o in part.pieces)
    q.text += part.text


def _ratio(span, step) -> float:
    if isinstance(span, timedelta):
        return span / step
    return float(span) / float(step)


def _floor(value, step):
    if isinstance(value, datetime):
        epoch = datetime(1970, 1, 1, tzinfo=value.tzinfo)
        return epoch + step * math.floor((value - epoch) / step)
    return math.floor(float(value) / float(step)) * step


def _axis_value(value):
    """Axis values as Kusto writes datetimes inside dynamic arrays (7 fractional digits)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond:06d}0Z"
    return value


def _clauses(toks: list[Token], keywords: tuple[str, ...]) -> dict[str, list[Token]]:
    """Split at top-level clause keywords: {'': head, 'on': [...], 'step': [...], ...}."""
    out: dict[str, list[Token]] = {"": []}
    current = ""
    depth = 0
    for tok in toks:
        if tok.text in ("(", "[", "{"):
            depth += 1
        elif tok.text in (")", "]", "}"):
            depth -= 1
        low = tok.text.lower()
        if depth == 0 and low in keywords and low not in out:
            current = low
            out[current] = []
            continue
        out[current].append(tok)
    return out


@dataclass
class SeriesCall:
    names: list[str] | None
    function: str
    column: str
    args: list[Span]
    start: int


@dataclass
class SeriesExtend(Stage):
    calls: list[SeriesCall]

    @classmethod
    def parse(cls, op: Operator) -> SeriesExtend:
        calls = []
        for part in split_top_level(list(op.tokens[1:]), ","):
            eq = next((i for i, t in enumerate(part) if t.text == "="), None)
            target, expr = (part[:eq], part[eq + 1 :]) if eq is not None else ([], part)
            if not expr or expr[0].text not in SERIES_FUNCTIONS or len(expr) < 3 or expr[1].text != "(":
                raise UnsupportedKql(
                    "extend",
                    "an extend that calls series_* functions may only hold such calls; "
                    "move other assignments into their own `| extend`",
                    part[0].start,
                )
            args = split_top_level(expr[2:-1], ",")
            if not args or len(args[0]) != 1:
                raise UnsupportedKql(
                    expr[0].text, f"{expr[0].text}() needs a column as its first argument", expr[0].start
                )
            names = [t.text for t in target if t.text not in "(),"] or None
            calls.append(SeriesCall(names, expr[0].text, args[0][0].text, [_span(a) for a in args[1:]], part[0].start))
        return cls(start=op.start, calls=calls)

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        table = runner.rows(Mapped().synthetic(source, self.start))
        columns = list(zip(table.columns, table.types, strict=True))
        rows = [list(r) for r in table.rows]
        notes: list[str] = []
        for call in self.calls:
            outputs = SERIES_FUNCTIONS[call.function]
            names = call.names or [f"{call.function}_{call.column}_{s}" for s in outputs]
            if len(names) != len(outputs):
                raise UnsupportedKql(
                    call.function,
                    f"{call.function}() returns {len(outputs)} columns: ({', '.join(outputs)})",
                    call.start,
                )
            if call.column not in table.columns:
                raise UnsupportedKql(
                    call.function, f"{call.function}(): no column '{call.column}' in its input", call.start
                )
            args = _constants(runner, call.args)
            index = table.columns.index(call.column)
            results = [_apply(call.function, row[index], args) for row in rows]
            for k, name in enumerate(names):
                kql_type = "real" if call.function == "series_fit_line" and outputs[k] != "line_fit" else "dynamic"
                existing = [c for c, _ in columns].index(name) if name in [c for c, _ in columns] else None
                if existing is None:
                    columns.append((name, kql_type))
                    for row, res in zip(rows, results, strict=True):
                        row.append(res[k])
                else:
                    columns[existing] = (name, kql_type)
                    for row, res in zip(rows, results, strict=True):
                        row[existing] = res[k]
            if call.function in ("series_decompose_anomalies", "series_decompose"):
                notes.append(S.APPROXIMATION_NOTE)
        runner.create(into, columns, [tuple(r) for r in rows])
        return sorted(set(notes))


def _apply(function: str, value: Any, args: list[Any]) -> tuple:
    series = value if isinstance(value, list) else []
    if function == "series_decompose_anomalies":
        return S.decompose_anomalies(series, *args)
    if function == "series_decompose":
        return S.decompose(series, *args)
    return S.fit_line(series)


@dataclass
class ProjectReorder(Stage):
    """`project-reorder Pattern [asc|desc], ...`: the named columns first, the rest in their order.

    https://learn.microsoft.com/kusto/query/project-reorder-operator — a pattern with `*` matches
    several columns, kept in input order unless `asc`/`desc` sorts them by name.
    """

    specs: list[tuple[str, str | None, int]]  # (pattern, asc/desc, offset)

    @classmethod
    def parse(cls, op: Operator) -> ProjectReorder:
        specs = []
        for part in split_top_level(list(op.tokens[1:]), ","):
            texts = [t.text for t in part]
            order = texts[-1].lower() if texts[-1].lower() in ("asc", "desc", "granny-asc", "granny-desc") else None
            name = "".join(texts[:-1] if order else texts).strip("[]'\"")
            if order and order.startswith("granny"):
                raise UnsupportedKql(
                    f"project-reorder {order}", f"project-reorder {order} is not supported", part[-1].start
                )
            specs.append((name, order, part[0].start))
        return cls(start=op.start, specs=specs)

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        import fnmatch

        from .duckdb_tables import q

        rest = list(runner.columns(source))
        first: list[str] = []
        for pattern, order, _ in self.specs:
            matched = [c for c in rest if fnmatch.fnmatchcase(c, pattern)]
            if order:
                matched.sort(reverse=order == "desc")
            first += matched
            rest = [c for c in rest if c not in matched]
        runner.sql_into(into, f"SELECT {', '.join(q(c) for c in first + rest)} FROM {q(source)}")
        return []


@dataclass
class AsStage(Stage):
    """`| as Name`: the result so far, also readable as the table `Name` later in the query.

    https://learn.microsoft.com/kusto/query/as-operator — Sentinel rules use it to read their own
    intermediate result again (`| as _Retrievals | where x in (toscalar(_Retrievals | ...))`).
    """

    name: str

    @classmethod
    def parse(cls, op: Operator) -> AsStage:
        toks = [t for t in op.tokens[1:]]
        while len(toks) >= 3 and toks[1].text == "=":  # hint.materialized = true
            toks = toks[3:]
        if len(toks) != 1:
            raise UnsupportedKql("as", "`as` needs a name, e.g. `| as Retrievals`", op.start)
        return cls(start=op.start, name=toks[0].text.strip("[]'\""))

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        from .duckdb_tables import q

        runner.sql_into(into, f"SELECT * FROM {q(source)}")
        runner.sql_into(self.name, f"SELECT * FROM {q(source)}")
        return []
