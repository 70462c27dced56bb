"""What a query can refer to: tables from the catalogue, watchlists, stored functions.

Kusto.Language binds names against a `GlobalState` (a database of table and
function symbols). We build one per (table catalogue, declarations) pair and
keep it, because turning ~40 tables into .NET symbols costs ~100 ms while
analysing a rule against it costs ~1 ms.

Declarations Sentinel adds to every workspace:
- `_GetWatchlist('alias')` returns the watchlist's own CSV columns plus the
  columns Sentinel adds (`WATCHLIST_COLUMNS`), per alias, resolved at each call
  site from the watchlists in the repository.
- Parsers (saved-search functions) are declared under their FunctionName and
  FunctionAlias with their parameters, and their FunctionQuery as the body,
  so Kusto.Language computes what a call returns from the body itself.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from ..catalog.tables import TableCatalog
from ..content.watchlists import GETWATCHLIST_COLUMNS
from .runtime import Kusto

WATCHLIST_COLUMNS = GETWATCHLIST_COLUMNS
"""Columns `_GetWatchlist` returns besides the CSV's own (string) columns: one definition, shared
with the test engine, in `content.watchlists` (sources cited there)."""

GET_WATCHLIST = "_GetWatchlist"


@dataclass(frozen=True)
class Param:
    """A function parameter: KQL scalar type, or `(*)` for a tabular one."""

    name: str
    type: str
    default: str | None = None


@dataclass(frozen=True)
class FunctionDecl:
    """A stored function (a Sentinel parser) callable by each of `names`."""

    names: tuple[str, ...]
    params: tuple[Param, ...]
    body: str

    def signature(self) -> str:
        """`(name:type = default, ...)` in the form Kusto.Language's FunctionSymbol parses."""
        return "(" + ", ".join(_param_text(p) for p in self.params) + ")"


@dataclass(frozen=True)
class Functions:
    """Everything besides tables a query may call: watchlists and stored functions."""

    watchlists: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(alias, CSV column names) for each watchlist in the repository."""
    functions: tuple[FunctionDecl, ...] = ()

    def watchlist_columns(self, alias: str) -> tuple[str, ...] | None:
        return dict(self.watchlists).get(alias)

    def watchlist_aliases(self) -> list[str]:
        return sorted(a for a, _ in self.watchlists)


def normalise_param_type(raw: str) -> str:
    """Parser YAML spells a tabular parameter `table:(*)`; Kusto.Language wants `(*)`."""
    raw = raw.strip()
    return raw[len("table:") :] if raw.startswith("table:") else raw


def _param_text(p: Param) -> str:
    text = f"{p.name}:{normalise_param_type(p.type)}"
    if p.default is None or p.type.startswith(("table", "(")):
        return text
    return f"{text} = {kql_literal(p.type, p.default)}"


def kql_literal(ptype: str, value: str) -> str:
    """A YAML default as KQL: strings get quoted unless already written as a literal."""
    value = value.strip()
    if ptype == "string" and not (value[:1] in "'\"" and value[-1:] == value[:1] and len(value) >= 2):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if ptype in ("bool", "boolean") and value.lower() in ("true", "false"):
        return value.lower()
    return value


_STATES: OrderedDict[tuple[int, Functions], tuple[TableCatalog, object]] = OrderedDict()
_MAX_STATES = 8


_last: tuple[TableCatalog, Functions, object] | None = None


def global_state(kusto: Kusto, catalog: TableCatalog, functions: Functions) -> object:
    """The bound GlobalState for this catalogue and these declarations (built once, then cached)."""
    global _last
    if _last is not None and _last[0] is catalog and _last[1] is functions:
        return _last[2]  # the common case: one project, many queries; skips hashing the declarations
    key = (id(catalog), functions)
    hit = _STATES.get(key)
    if hit is not None and hit[0] is catalog:
        _STATES.move_to_end(key)
        state = hit[1]
    else:
        state = _build(kusto, catalog, functions)
        _STATES[key] = (catalog, state)  # keeping the catalogue alive keeps its id() unique
        while len(_STATES) > _MAX_STATES:
            _STATES.popitem(last=False)
    _last = (catalog, functions, state)
    return state


def _build(kusto: Kusto, catalog: TableCatalog, functions: Functions) -> object:
    sym = kusto.symbols
    members: list = [_table(sym, t.name, t.column_types().items()) for t in catalog.tables.values()]
    members.append(_get_watchlist(kusto, functions))
    for decl in functions.functions:
        for name in dict.fromkeys(decl.names):
            members.append(sym.FunctionSymbol(name, decl.signature(), "{\n" + decl.body + "\n}"))
    database = sym.DatabaseSymbol("workspace", members)
    return kusto.language.GlobalState.Default.WithDatabase(database)


def _table(sym, name: str, columns: Iterable[tuple[str, str]]):
    scalar = sym.ScalarTypes
    return sym.TableSymbol(name, [sym.ColumnSymbol(c, scalar.GetSymbol(t) or scalar.Unknown) for c, t in columns])


def _get_watchlist(kusto: Kusto, functions: Functions):
    """`_GetWatchlist(watchlistAlias:string)`, returning the columns of the named watchlist.

    Kusto.Language calls the resolver at each call site with the literal
    arguments. An alias that is not a literal, or that no watchlist in the
    repository has, binds to an *open* table (any column resolves) so one
    problem is not reported as dozens of unknown columns; the unknown alias
    itself is reported by the caller (see `analysis.WatchlistRef`).
    """
    from kustology import FunctionSchema
    from kustology.utils.analysis import build_global_state

    by_alias = dict(functions.watchlists)
    folded = {a.casefold(): cols for a, cols in functions.watchlists}

    def resolve(values: tuple[object | None, ...]):
        alias = values[0] if values else None
        if not isinstance(alias, str):
            return None
        cols = by_alias.get(alias) or folded.get(alias.casefold())
        if cols is None:
            return None
        out = dict(WATCHLIST_COLUMNS)
        for c in cols:
            out.setdefault(c, "string")
        return out

    schema = FunctionSchema(parameters=(("watchlistAlias", "string"),), returns=resolve)
    return build_global_state({GET_WATCHLIST: schema}).Database.GetFunction(GET_WATCHLIST)
