"""Analyse one KQL query with Microsoft's Kusto.Language: diagnostics, references, output schema.

`analyze()` is the one entry point every consumer uses (validate, the test
engine, the emulator, doctor). Its result is plain Python data: nothing of
.NET leaks out, and offsets are code-point offsets into the query string, so
`query[d.start:d.end]` is the text a diagnostic is about.
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache

from ..catalog.tables import TableCatalog
from . import facts
from .runtime import Kusto, load
from .symbols import Functions, Param, global_state, normalise_param_type


class DiagnosticKind(StrEnum):
    SYNTAX = "syntax"
    UNKNOWN_TABLE = "unknown-table"
    UNKNOWN_NAME = "unknown-name"  # a column, or a variable
    UNKNOWN_FUNCTION = "unknown-function"
    SEMANTIC = "semantic"  # type errors and every other binder error
    ANALYZER_FAILURE = "analyzer-failure"


UNKNOWN_TABLE_CODES = frozenset({"KS204", "KS205", "KS209", "KS210"})
UNKNOWN_NAME_CODES = frozenset({"KS142"})
UNKNOWN_FUNCTION_CODES = frozenset({"KS211"})
KEPT_SEVERITIES = {"Error": "error", "Warning": "warning"}
"""Kusto.Language's Suggestion/Information diagnostics are style advice, not problems."""


@dataclass(frozen=True)
class Diagnostic:
    code: str  # Kusto.Language's code, e.g. KS142
    kind: DiagnosticKind
    severity: str  # "error" | "warning"
    message: str
    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class TimeFilter:
    """A look-back bound on a time column: `TimeGenerated > ago(1d)`, `ingestion_time() > ago(5m)`."""

    column: str
    lookback: timedelta | None
    start: int  # of the ago() call
    length: int


@dataclass(frozen=True)
class WatchlistRef:
    """A `_GetWatchlist(...)` call; `known` is False when no watchlist in the repository has the alias."""

    alias: str | None
    known: bool
    start: int
    length: int


@dataclass(frozen=True)
class Analysis:
    query: str
    diagnostics: tuple[Diagnostic, ...]
    tables: frozenset[str]
    """Tables the query reads directly (tables read inside a called function are not listed)."""
    columns: frozenset[str]
    """Columns of those tables the query refers to."""
    functions: frozenset[str]
    """Functions it calls (built-ins, parsers, `_GetWatchlist`)."""
    output: dict[str, str] | None
    """Result schema, column -> KQL type, in order; None when the query's result is not a table."""
    output_open: bool
    """The result may hold columns no schema names (unknown table, unknown watchlist, bag_unpack...)."""
    watchlists: tuple[WatchlistRef, ...] = ()
    time_filters: tuple[TimeFilter, ...] = ()
    wildcard_sources: tuple[tuple[str, int, int], ...] = ()
    """("search" | "union", start, length) for `search` over every table and `union *`."""
    aggregates: bool = False
    """The query summarizes (summarize, make-series, count, distinct, evaluate...): rows are not single events."""

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def outputs(self, column: str) -> bool | None:
        """Whether the result has `column`; None when that cannot be known (open or non-tabular result)."""
        if self.output is None:
            return None
        if column in self.output:
            return True
        return None if self.output_open else False


class _Offsets:
    """UTF-16 offsets (what .NET reports) to code-point offsets (what Python indexes)."""

    def __init__(self, text: str, shift: int = 0):
        self.shift = shift  # characters of text we prepended to the user's query
        self.astral: list[int] = []  # UTF-16 offsets just after each astral character
        if any(ord(c) > 0xFFFF for c in text):
            u = 0
            for c in text:
                u += 2 if ord(c) > 0xFFFF else 1
                if ord(c) > 0xFFFF:
                    self.astral.append(u)

    def point(self, utf16: int) -> int:
        cp = utf16 - bisect.bisect_right(self.astral, utf16) if self.astral else utf16
        return max(0, cp - self.shift)

    def span(self, start: int, length: int) -> tuple[int, int]:
        s = self.point(start)
        return s, max(0, self.point(start + length) - s)


def analyze(
    query: str,
    catalog: TableCatalog,
    functions: Functions | None = None,
    params: tuple[Param, ...] = (),
) -> Analysis:
    """Parse and bind `query` against the catalogue and declarations.

    `params` declares the parameters of a function body being checked on its
    own (a parser's FunctionQuery): scalar ones through a `declare
    query_parameters` prefix whose offsets are removed again, tabular ones as
    open tables.
    """
    kusto = load()
    functions = functions or Functions()
    state = global_state(kusto, catalog, functions)
    prefix, state = _with_params(kusto, state, params)
    text = prefix + query
    offsets = _Offsets(text, shift=len(prefix))
    try:
        return _analysis(kusto, query, text, state, offsets, catalog, functions)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # Kusto.Language itself failed on this input: say so, never a traceback
        return _failed(query, exc)


def _analysis(kusto: Kusto, query: str, text: str, state, offsets: _Offsets, catalog, functions) -> Analysis:
    code = kusto.language.KustoCode.ParseAndAnalyze(text, state)
    syntax_keys = {(str(d.Code), d.Start, d.Length) for d in code.GetSyntaxDiagnostics()}
    diagnostics = tuple(_diagnostic(d, code, text, offsets, syntax_keys, catalog, functions) for d in _kept(code))
    tables, columns, called = _references(kusto, code.Syntax)
    output, is_open = _output(code.ResultType)
    raw = facts.collect(kusto, code.Syntax)
    return Analysis(
        query=query,
        diagnostics=diagnostics,
        tables=frozenset(tables),
        columns=frozenset(columns),
        functions=frozenset(called),
        output=output,
        output_open=is_open,
        watchlists=tuple(_watchlist_ref(w, offsets, functions) for w in raw.watchlist_calls),
        time_filters=tuple(
            TimeFilter(t.column, t.lookback, *offsets.span(t.start, t.length)) for t in raw.time_filters
        ),
        wildcard_sources=tuple((k, *offsets.span(s.start, s.length)) for k, s in raw.wildcard_sources),
        aggregates=raw.aggregates,
    )


def _with_params(kusto: Kusto, state, params: tuple[Param, ...]) -> tuple[str, object]:
    scalars = [p for p in params if not normalise_param_type(p.type).startswith("(")]
    tabular = [p for p in params if normalise_param_type(p.type).startswith("(")]
    prefix = ""
    if scalars:
        prefix = "declare query_parameters(" + ", ".join(f"{p.name}:{p.type}" for p in scalars) + ");\n"
    if tabular:
        sym = kusto.symbols
        opened = [sym.TableSymbol.From("()").WithIsOpen(True).WithName(p.name) for p in tabular]
        state = state.WithDatabase(state.Database.AddMembers(opened))
    return prefix, state


def _kept(code) -> list:
    return [d for d in code.GetDiagnostics() if str(d.Severity) in KEPT_SEVERITIES]


def _diagnostic(d, code, text: str, offsets: _Offsets, syntax_keys, catalog: TableCatalog, functions: Functions):
    kcode = str(d.Code)
    start, length = offsets.span(d.Start, d.Length)
    name = text[offsets.shift + start : offsets.shift + start + length]
    message = _message(d, name)
    if (kcode, d.Start, d.Length) in syntax_keys:
        kind = DiagnosticKind.SYNTAX
    elif kcode in UNKNOWN_TABLE_CODES:
        kind = DiagnosticKind.UNKNOWN_TABLE
        message += _hint(name, catalog.names())
    elif kcode in UNKNOWN_NAME_CODES:
        kind = DiagnosticKind.UNKNOWN_NAME
        message += _hint(name, _columns_in_scope(code, d.Start))
    elif kcode in UNKNOWN_FUNCTION_CODES:
        kind = DiagnosticKind.UNKNOWN_FUNCTION
        message += _hint(name, [*(n for f in functions.functions for n in f.names), *_builtin_functions()])
    else:
        kind = DiagnosticKind.SEMANTIC
    return Diagnostic(kcode, kind, KEPT_SEVERITIES[str(d.Severity)], message, start, length)


@cache
def _builtin_functions() -> list[str]:
    from kustology import all_function_names

    return sorted(all_function_names())


def _message(d, near: str) -> str:
    """The diagnostic's message; .NET may cut an astral character in half when quoting the query."""
    try:
        return str(d.Message)
    except UnicodeDecodeError:
        return f"{d.Code} near '{near}'"


def _columns_in_scope(code, position: int) -> list[str]:
    try:
        scope = code.GetColumnsInScope(position)
        return [str(c.Name) for c in scope.Columns] if scope is not None else []
    except Exception:  # scope lookup is a hint only
        return []


def _hint(name: str, candidates: list[str]) -> str:
    if not name:
        return ""
    exact = [c for c in candidates if c.casefold() == name.casefold() and c != name]
    if exact:
        return f" Did you mean '{exact[0]}'? (names are case-sensitive)"
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.75)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _references(kusto: Kusto, root) -> tuple[set[str], set[str], set[str]]:
    tables: set[str] = set()
    columns: set[str] = set()
    called: set[str] = set()
    for ref in root.GetDescendants[kusto.syntax.NameReference]():
        sym = ref.ReferencedSymbol
        if sym is None:
            continue
        kind = str(sym.Kind)
        if kind == "Table":
            tables.add(str(sym.Name))
        elif kind == "Column":
            columns.add(str(sym.Name))
        elif kind == "Function":
            called.add(str(sym.Name))
    return tables, columns, called


def _output(result) -> tuple[dict[str, str] | None, bool]:
    if result is None or str(result.Kind) != "Table":
        return None, False
    out = {str(c.Name): str(c.Type.Name) for c in result.Columns}
    return out, bool(result.IsOpen)


def _watchlist_ref(w: facts.RawWatchlistCall, offsets: _Offsets, functions: Functions) -> WatchlistRef:
    start, length = offsets.span(w.start, w.length)
    known = w.alias is not None and functions.watchlist_columns(w.alias) is not None
    return WatchlistRef(w.alias, known, start, length)


def _failed(query: str, exc: Exception) -> Analysis:
    message = f"Kusto.Language's analyzer failed on this query ({type(exc).__name__}); it could not be checked"
    diag = Diagnostic("KUSTOLOGY001", DiagnosticKind.ANALYZER_FAILURE, "error", message, 0, 0)
    return Analysis(query, (diag,), frozenset(), frozenset(), frozenset(), None, True)
