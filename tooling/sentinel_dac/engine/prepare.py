"""Turn a rule's query into what an engine runs: rewrites, then a plan of steps.

This is the slot between the simulator and duckdb-kql where the compatibility
layer (issue 6) plugs in. Two mechanisms live here today:

* **Rewrites** (every engine): Sentinel built-ins no engine has are replaced
  by what the loaded data provides — `ingestion_time()` by the hidden column
  each sample table carries, `_GetWatchlist('alias')` by the watchlist's table.
* **Compatibility rewrites** (embedded engine only, `compat.py`): everyday KQL
  duckdb-kql lacks, said in KQL it has (`split(s, d, i)`, `column_ifexists`, ...).
* **Pipeline stages** (embedded engine only): a tabular operator duckdb-kql
  lacks splits the final pipeline; the part before runs on duckdb-kql into a
  table, the operator runs natively (`stages.py`), the rest continues on the
  result. Today: `make-series` and `extend` of `series_decompose*`.

Every piece of assembled text remembers its offset in the author's query
(`syntax.Mapped`), so errors still point at the author's line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .compat import compat_edits, merge, refuse_shadowed_parameters
from .dataset import DataSet, FunctionDef
from .errors import QueryFailed, UnsupportedKql
from .externaldata import ExternalSpec, external_edits
from .stages import SERIES_FUNCTIONS, Stage, parse_stage
from .syntax import Mapped, Operator, PipeUnit, copy_with_edits, parse, pipe_units, pipeline
from .tablefn import expand_table_functions

COMPAT = True
"""The compatibility layer (rewrites, table() functions, its stages) is on; `benchmarks compat` turns it
off to measure what it costs."""

LAYER_STAGES = frozenset({"mv-apply", "project-reorder", "as", "evaluate"})
"""Stages that belong to the compatibility layer (make-series and series_* came with the engine)."""

HIDDEN_INGESTION = "__sdac_ingestion_time"
"""The column behind `ingestion_time()` in every sample table (Kusto's hidden `$IngestionTime`)."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def watchlist_table(alias: str, dataset: DataSet) -> str:
    keys = sorted(dataset.watchlists)
    return f"__sdac_watchlist_{keys.index(alias.casefold())}"


@dataclass
class LateColumns:
    """`column_ifexists` calls right after a stage whose output columns depend on the data (bag_unpack).

    They are resolved when the step runs, against the columns the stage really produced; `build`
    assembles the step's text with the resulting edits added to `edits`.
    """

    source: str  # the stage's output table
    calls: list[tuple[int, int, str, tuple[int, int]]]  # call start, end, column name, default's span
    edits: list[tuple[int, int, str]]
    build: Callable[[list[tuple[int, int, str]]], Mapped]

    def resolve(self, columns: list[str]) -> Mapped:
        extra = []
        for start, end, name, (ds, de) in self.calls:
            if name in columns:
                extra.append((start, end, f"['{name}']"))
            else:
                extra += [(start, ds, "("), (de, end, ")")]
        return self.build(merge(self.edits + extra))


@dataclass
class KqlStep:
    query: Mapped
    into: str | None  # a table name for an intermediate result; None for the final one
    late: LateColumns | None = None

    def text(self, stage_tables: dict[str, list[str]]) -> Mapped:
        """The step's KQL, with late `column_ifexists` resolved against the stage tables made so far."""
        if self.late is None:
            return self.query
        return self.late.resolve(stage_tables[self.late.source])


@dataclass
class StageStep:
    stage: Stage
    source: str  # the table holding the stage's input
    into: str
    lets: Mapped  # the let statements the stage's own sub-expressions may use
    edits: list[tuple[int, int, str]]  # the rewrites in force for the stage's fragments


@dataclass
class Prepared:
    original: str
    query: Mapped
    lets: Mapped
    edits: list[tuple[int, int, str]]
    steps: list[KqlStep | StageStep] = field(default_factory=list)
    uses_ingestion_time: bool = False
    watchlists: dict[str, str] = field(default_factory=dict)
    external: dict[str, ExternalSpec] = field(default_factory=dict)
    """Tables standing for externaldata expressions (embedded engine), by table name."""
    names: frozenset[str] = frozenset()
    pre: Mapped | None = None  # the table()-function expansion, when there was one

    def author_offset(self, offset: int | None) -> int | None:
        """An offset in `original` as an offset in the author's query."""
        if offset is None or self.pre is None:
            return offset
        return self.pre.origin(offset)

    @property
    def staged(self) -> bool:
        return any(isinstance(s, StageStep) for s in self.steps)


def rewrite_edits(text: str, dataset: DataSet, function: str | None = None) -> tuple[list, bool, dict[str, str]]:
    """The (start, end, replacement) edits for Sentinel built-ins in `text`."""
    parsed = parse(text)
    edits: list[tuple[int, int, str]] = []
    watchlists: dict[str, str] = {}
    uses_ingestion = False
    for call in parsed.calls:
        if call.name == "ingestion_time":
            edits.append((call.start, call.end, HIDDEN_INGESTION))
            uses_ingestion = True
        elif call.name == "_GetWatchlist":
            literal = call.args[0].text if len(call.args) == 1 else ""
            if len(literal) < 2 or literal[0] not in "'\"" or literal[-1] != literal[0]:
                raise UnsupportedKql(
                    "_GetWatchlist",
                    "_GetWatchlist() needs the alias as a string literal, e.g. _GetWatchlist('HighValueApps')",
                    call.start,
                    function,
                )
            alias = literal[1:-1]
            if dataset.watchlist(alias) is None:
                known = ", ".join(sorted(w.alias for w in dataset.watchlists.values())) or "none"
                raise QueryFailed(
                    f"_GetWatchlist('{alias}'): no watchlist with that alias in this project (known: {known})",
                    call.start,
                    function,
                )
            table = watchlist_table(alias, dataset)
            watchlists[alias] = table
            edits.append((call.start, call.end, table))
    return edits, uses_ingestion, watchlists


def prepare(query: str, dataset: DataSet, stages: bool = True) -> Prepared:
    """Rewrite `query` for `dataset` and plan its steps (stages only when `stages`).

    For the embedded engine, `table(p)` functions are first specialised on the lexer's tokens
    (`tablefn.py`, the grammar cannot parse them); everything else then works on that text and
    `Prepared.pre` maps its offsets back to the author's.
    """
    pre = expand_table_functions(query) if stages and COMPAT else None
    prepared = _prepare(pre.text if pre is not None else query, dataset, stages)
    prepared.pre = pre
    return prepared


def _prepare(query: str, dataset: DataSet, stages: bool) -> Prepared:
    edits, uses_ingestion, watchlists = rewrite_edits(query, dataset)
    external: dict[str, ExternalSpec] = {}
    if stages and COMPAT:  # the embedded engine: the compatibility rewrites too
        refuse_shadowed_parameters(parse(query))
        found = external_edits(parse(query), dataset.external)
        external = {spec.table: spec for _, spec in found}
        edits = merge(
            edits
            + compat_edits(parse(query), dataset.catalog, set(_IDENT.findall(query)))
            + [edit for edit, _ in found]
        )
    whole = copy_with_edits(Mapped(), query, 0, len(query), edits)
    pipe = pipeline(parse(query))
    lets_end = pipe.statements_end if pipe else 0
    lets = copy_with_edits(Mapped(), query, 0, lets_end, edits)
    prepared = Prepared(
        original=query,
        query=whole,
        lets=lets,
        edits=edits,
        uses_ingestion_time=uses_ingestion,
        watchlists=watchlists,
        external=external,
        names=frozenset(_IDENT.findall(query)),
    )
    prepared.steps = _plan(prepared) if stages and pipe else [KqlStep(whole, None)]
    return prepared


def _plan(prepared: Prepared) -> list[KqlStep | StageStep]:
    """Materialise every pipe expression that holds a stage, innermost first; then the query itself.

    A stage-bearing expression inside a let body or a join's right side runs (with the lets before
    its statement) into a table; the text around it then names that table, so the final query and
    later expressions read the stage's result as an ordinary table.
    """
    query = prepared.original
    units = []
    for unit in pipe_units(parse(query)):
        found = [
            (i, parse_stage(op, query) if COMPAT or op.kind not in LAYER_STAGES else None)
            for i, op in enumerate(unit.operators)
        ]
        found = [(i, s) for i, s in found if s is not None]
        staged = {i for i, _ in found}
        _refuse_unstaged_series([op for i, op in enumerate(unit.operators) if i not in staged])
        if found:
            if unit.nested:
                op = unit.operators[found[0][0]]
                raise UnsupportedKql(
                    op.kind,
                    f"{op.kind} inside a let function body or an mv-apply subquery is not supported by the "
                    "embedded engine (it depends on parameters or an outer row)",
                    op.start,
                )
            units.append((unit, found))
    units.sort(key=lambda u: (u[0].end, -u[0].start))
    edits = list(prepared.edits)
    steps: list[KqlStep | StageStep] = []
    ends_with_final = False
    for k, (unit, found) in enumerate(units):
        into = None if unit.final else f"__sdac_unit_{k}"
        steps += _plan_unit(query, edits, unit, found, f"__sdac_u{k}", into)
        if unit.final:
            ends_with_final = True
            break
        edits = [e for e in edits if not (unit.start <= e[0] and e[1] <= unit.end)] + [(unit.start, unit.end, into)]
    if not ends_with_final:
        steps.append(KqlStep(copy_with_edits(Mapped(), query, 0, len(query), edits), None))
    _refuse_unresolvable_ifexists(query, steps, prepared.edits)
    return steps


def _plan_unit(query: str, edits, unit: PipeUnit, found, prefix: str, into: str | None) -> list:
    lets = copy_with_edits(Mapped(), query, 0, unit.statement_start, edits)
    steps: list[KqlStep | StageStep] = []
    source_table: str | None = None
    first_op = 0
    late_source: str | None = None
    for n, (index, stage) in enumerate(found):
        stage_in = f"{prefix}_stage_{n}_in"
        steps.append(_kql_step(query, edits, lets, unit, source_table, first_op, index, stage_in, late_source))
        out = f"{prefix}_stage_{n}_out"
        steps.append(StageStep(stage, stage_in, out, lets, list(edits)))
        source_table, first_op = out, index + 1
        late_source = out if stage.open_schema else None
    steps.append(_kql_step(query, edits, lets, unit, source_table, first_op, len(unit.operators), into, late_source))
    return steps


def _kql_step(query: str, edits, lets, unit, source_table, first: int, stop: int, into, late_source) -> KqlStep:
    """A KQL segment; after an open-schema stage its `column_ifexists` calls wait for the stage's columns."""
    if late_source is None or first >= stop:
        return KqlStep(_segment(query, edits, lets, unit, source_table, first, stop), into)
    low, high = unit.operators[first].start, unit.operators[stop - 1].end
    calls = [(c, n) for c, n in _ifexists_calls(query) if low <= c.start and c.end <= high]
    if not calls:
        return KqlStep(_segment(query, edits, lets, unit, source_table, first, stop), into)
    resolved = set()
    for c, _ in calls:
        spans = c.arg_spans
        resolved |= {(c.start, c.end), (c.start, spans[1][0]), (spans[1][1], c.end)}
    base = [e for e in edits if (e[0], e[1]) not in resolved]
    late = LateColumns(
        late_source,
        [(c.start, c.end, name, c.arg_spans[1]) for c, name in calls],
        base,
        lambda extra: _segment(query, extra, lets, unit, source_table, first, stop),
    )
    return KqlStep(_segment(query, edits, lets, unit, source_table, first, stop), into, late)


def _ifexists_calls(query: str):
    """`column_ifexists('name', default)` calls with a literal name: (call, name)."""
    for call in parse(query).calls:
        if call.name != "column_ifexists" or len(call.arg_spans) != 2:
            continue
        literal = query[call.arg_spans[0][0] : call.arg_spans[0][1]]
        if len(literal) >= 2 and literal[0] in "'\"" and literal[-1] == literal[0]:
            yield call, literal[1:-1]


def _refuse_unresolvable_ifexists(query: str, steps: list[KqlStep | StageStep], edits) -> None:
    """After an open-schema stage, a `column_ifexists` falling back to its default is refused unless late.

    Resolved against the catalogue it would read the default even where the stage made the column:
    a wrong answer. Only calls in the pipeline segment right after the stage are resolved late.
    """
    to_column = {(s, e) for s, e, t in edits if t.startswith("['")}
    opens = [s.stage.start for s in steps if isinstance(s, StageStep) and s.stage.open_schema]
    if not opens:
        return
    late = {c[0] for s in steps if isinstance(s, KqlStep) and s.late for c in s.late.calls}
    for call, name in _ifexists_calls(query):
        if call.start > min(opens) and call.start not in late and (call.start, call.end) not in to_column:
            raise UnsupportedKql(
                "column_ifexists after bag_unpack",
                f"column_ifexists('{name}', ...) reads the result of bag_unpack, whose columns depend on the data; "
                "the embedded engine resolves it only in the pipeline right after the bag_unpack",
                call.start,
            )


def _segment(query: str, edits, lets: Mapped, unit: PipeUnit, source_table: str | None, first: int, stop: int):
    """`lets; source | ops[first:stop]` as mapped text (source: the unit's own or a stage table)."""
    out = Mapped(lets.text, list(lets.pieces))
    if source_table is None:
        copy_with_edits(out, query, unit.source_start, unit.source_end, edits)
    else:
        anchor = unit.operators[first - 1].start if first > 0 else unit.source_start
        out.synthetic(source_table, anchor)
    for op in unit.operators[first:stop]:
        out.synthetic("\n| ", op.start)
        copy_with_edits(out, query, op.start, op.end, edits)
    return out


def _refuse_unstaged_series(operators: list[Operator]) -> None:
    """A series_* call outside a stage-able extend would reach duckdb-kql as an unknown function."""
    for op in operators:
        for tok in op.tokens:
            if tok.text in SERIES_FUNCTIONS:
                raise UnsupportedKql(
                    tok.text,
                    f"{tok.text}() is only supported as `| extend (a, b, c) = {tok.text}(column, ...)` "
                    "directly in the query's final pipeline",
                    tok.start,
                )


def prepare_function(fd: FunctionDef, dataset: DataSet) -> str:
    """A parser's definition with the same rewrites, ready to register as a stored function."""
    edits, _, _ = rewrite_edits(fd.body, dataset, function=fd.name)
    edits = merge(edits + compat_edits(parse(fd.body), dataset.catalog, set(_IDENT.findall(fd.body))))
    body = copy_with_edits(Mapped(), fd.body, 0, len(fd.body), edits).text
    return fd.definition(body)


def function_uses_ingestion(fd: FunctionDef, dataset: DataSet) -> bool:
    return rewrite_edits(fd.body, dataset, function=fd.name)[1]
