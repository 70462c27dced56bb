"""Turn a rule's query into what an engine runs: rewrites, then a plan of steps.

This is the slot between the simulator and duckdb-kql where the compatibility
layer (issue 6) plugs in. Two mechanisms live here today:

* **Rewrites** (every engine): Sentinel built-ins no engine has are replaced
  by what the loaded data provides — `ingestion_time()` by the hidden column
  each sample table carries, `_GetWatchlist('alias')` by the watchlist's table.
* **Pipeline stages** (embedded engine only): a tabular operator duckdb-kql
  lacks splits the final pipeline; the part before runs on duckdb-kql into a
  table, the operator runs natively (`stages.py`), the rest continues on the
  result. Today: `make-series` and `extend` of `series_decompose*`.

Every piece of assembled text remembers its offset in the author's query
(`syntax.Mapped`), so errors still point at the author's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dataset import DataSet, FunctionDef
from .errors import QueryFailed, UnsupportedKql
from .stages import SERIES_FUNCTIONS, Stage, parse_stage
from .syntax import Mapped, Operator, copy_with_edits, parse, pipeline

HIDDEN_INGESTION = "__sdac_ingestion_time"
"""The column behind `ingestion_time()` in every sample table (Kusto's hidden `$IngestionTime`)."""

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def watchlist_table(alias: str, dataset: DataSet) -> str:
    keys = sorted(dataset.watchlists)
    return f"__sdac_watchlist_{keys.index(alias.casefold())}"


@dataclass
class KqlStep:
    query: Mapped
    into: str | None  # a table name for an intermediate result; None for the final one


@dataclass
class StageStep:
    stage: Stage
    source: str  # the table holding the stage's input
    into: str


@dataclass
class Prepared:
    original: str
    query: Mapped
    lets: Mapped
    edits: list[tuple[int, int, str]]
    steps: list[KqlStep | StageStep] = field(default_factory=list)
    uses_ingestion_time: bool = False
    watchlists: dict[str, str] = field(default_factory=dict)
    names: frozenset[str] = frozenset()

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
    """Rewrite `query` for `dataset` and plan its steps (stages only when `stages`)."""
    edits, uses_ingestion, watchlists = rewrite_edits(query, dataset)
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
        names=frozenset(_IDENT.findall(query)),
    )
    prepared.steps = _plan(prepared, pipe) if stages and pipe else [KqlStep(whole, None)]
    return prepared


def _plan(prepared: Prepared, pipe) -> list[KqlStep | StageStep]:
    stage_at = [(i, parse_stage(op, prepared.original)) for i, op in enumerate(pipe.operators)]
    stage_at = [(i, s) for i, s in stage_at if s is not None]
    staged = {i for i, _ in stage_at}
    _refuse_unstaged_series([op for i, op in enumerate(pipe.operators) if i not in staged])
    if not stage_at:
        return [KqlStep(prepared.query, None)]
    steps: list[KqlStep | StageStep] = []
    source_table: str | None = None
    first_op = 0
    for n, (index, stage) in enumerate(stage_at):
        into = f"__sdac_stage_{n}_in"
        steps.append(KqlStep(_segment(prepared, pipe, source_table, first_op, index), into))
        out = f"__sdac_stage_{n}_out"
        steps.append(StageStep(stage, into, out))
        source_table, first_op = out, index + 1
    steps.append(KqlStep(_segment(prepared, pipe, source_table, first_op, len(pipe.operators)), None))
    return steps


def _segment(prepared: Prepared, pipe, source_table: str | None, first: int, stop: int) -> Mapped:
    """`lets; source | ops[first:stop]` as mapped text (source: the query's own or a stage table)."""
    query, edits = prepared.original, prepared.edits
    out = copy_with_edits(Mapped(), query, 0, pipe.statements_end, edits)
    if source_table is None:
        copy_with_edits(out, query, pipe.source_start, pipe.source_end, edits)
    else:
        anchor = pipe.operators[first - 1].start if first > 0 else pipe.source_start
        out.synthetic(source_table, anchor)
    for op in pipe.operators[first:stop]:
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
    body = copy_with_edits(Mapped(), fd.body, 0, len(fd.body), edits).text
    return fd.definition(body)


def function_uses_ingestion(fd: FunctionDef, dataset: DataSet) -> bool:
    return rewrite_edits(fd.body, dataset, function=fd.name)[1]
