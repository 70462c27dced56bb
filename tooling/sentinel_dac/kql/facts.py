"""Facts about a bound query's syntax tree that Sentinel-specific checks need.

All walks use Kusto.Language's own `GetDescendants<T>()` (one call into .NET
per node type), not a Python-side walk over every node, which would cost more
than the analysis itself. Offsets returned here are UTF-16 offsets into the
analysed text; `analysis` converts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from .runtime import Kusto

TIME_COLUMNS = ("TimeGenerated",)
"""Columns Sentinel's query window (queryPeriod) is applied to."""

COMPARISONS = frozenset(
    {
        "GreaterThanExpression",
        "GreaterThanOrEqualExpression",
        "LessThanExpression",
        "LessThanOrEqualExpression",
        "BetweenExpression",
    }
)

AGGREGATING_OPERATORS = frozenset(
    {
        "SummarizeOperator",
        "MakeSeriesOperator",
        "CountOperator",
        "TopNestedOperator",
        "DistinctOperator",
        "EvaluateOperator",
    }
)
"""Operators after which a row no longer stands for one event (so overlapping windows re-count, not re-alert)."""


@dataclass(frozen=True)
class RawSpan:
    start: int
    length: int


@dataclass(frozen=True)
class RawTimeFilter:
    """`<time column> <op> ... ago(X) ...`: one look-back bound on TimeGenerated or ingestion_time()."""

    column: str
    lookback: timedelta | None  # None: the bound is not a constant look-back
    start: int  # of the ago()/now() call, or of the whole comparison
    length: int


@dataclass(frozen=True)
class RawWatchlistCall:
    alias: str | None  # None: not a string literal
    start: int  # of the argument (or of the call when it has none)
    length: int


@dataclass
class SyntaxFacts:
    time_filters: list[RawTimeFilter]
    watchlist_calls: list[RawWatchlistCall]
    wildcard_sources: list[tuple[str, RawSpan]]  # ("search" | "union", span)
    aggregates: bool


def collect(kusto: Kusto, root) -> SyntaxFacts:
    syn = kusto.syntax
    calls = list(root.GetDescendants[syn.FunctionCallExpression]())
    lets = _let_expressions(syn, root)
    return SyntaxFacts(
        time_filters=_time_filters(syn, root, lets),
        watchlist_calls=[_watchlist_call(c) for c in calls if _callee(c) == "_GetWatchlist"],
        wildcard_sources=_wildcards(syn, root),
        aggregates=any(str(op.Kind) in AGGREGATING_OPERATORS for op in root.GetDescendants[syn.QueryOperator]()),
    )


def _callee(call) -> str:
    return str(call.Name.SimpleName) if call.Name is not None else ""


def _let_expressions(syn, root) -> dict[str, object]:
    out: dict[str, object] = {}
    for let in root.GetDescendants[syn.LetStatement]():
        if let.Name is not None and let.Expression is not None:
            out[str(let.Name.SimpleName)] = let.Expression
    return out


def _strip(expr):
    while expr is not None and str(expr.Kind) == "ParenthesizedExpression":
        expr = expr.Expression
    return expr


def _time_column(expr) -> str | None:
    expr = _strip(expr)
    if expr is None:
        return None
    kind = str(expr.Kind)
    if kind == "NameReference" and str(expr.SimpleName) in TIME_COLUMNS:
        return str(expr.SimpleName)
    if kind == "FunctionCallExpression" and _callee(expr) == "ingestion_time":
        return "ingestion_time()"
    return None


def _time_filters(syn, root, lets: dict[str, object]) -> list[RawTimeFilter]:
    """Every comparison bounding a time column, with the look-back of each ago()/now()-X in it.

    A comparison whose bound we cannot evaluate (a function parameter, a
    datetime literal) still counts as a time filter, with lookback None.
    """
    out: list[RawTimeFilter] = []
    seen: set[int] = set()
    nodes = [*root.GetDescendants[syn.BinaryExpression](), *root.GetDescendants[syn.BetweenExpression]()]
    for node in nodes:
        kind = str(node.Kind)
        if kind not in COMPARISONS:
            continue
        if kind == "BetweenExpression":
            column, other = _time_column(node.Left), node.Right
        else:
            left, right = _time_column(node.Left), _time_column(node.Right)
            column = left or right
            other = node.Right if left else node.Left
        if column is None:
            continue
        bounds = _lookback_nodes(syn, other, lets, set())
        if not bounds:
            out.append(RawTimeFilter(column, None, node.TextStart, node.Width))
        for bound in bounds:
            if bound.TextStart not in seen:
                seen.add(bound.TextStart)
                out.append(RawTimeFilter(column, _lookback(bound), bound.TextStart, bound.Width))
    return out


def _lookback_nodes(syn, expr, lets: dict[str, object], visiting: set[str]) -> list:
    """`ago(X)`, `now(-X)` and `now() - X` in `expr`, following references to `let` variables."""
    if expr is None:
        return []
    found = [
        c
        for c in expr.GetDescendantsOrSelf[syn.FunctionCallExpression]()
        if _callee(c) == "ago" or (_callee(c) == "now" and _args(c))
    ]
    for sub in expr.GetDescendantsOrSelf[syn.BinaryExpression]():
        if str(sub.Kind) == "SubtractExpression" and _is_now(sub.Left):
            found.append(sub)
    for ref in expr.GetDescendantsOrSelf[syn.NameReference]():
        name = str(ref.SimpleName)
        if name in lets and name not in visiting:
            found += _lookback_nodes(syn, lets[name], lets, visiting | {name})
    return found


def _is_now(expr) -> bool:
    expr = _strip(expr)
    is_call = expr is not None and str(expr.Kind) == "FunctionCallExpression"
    return is_call and _callee(expr) == "now" and not _args(expr)


def _args(call) -> list:
    args = call.ArgumentList.Expressions if call.ArgumentList is not None else None
    return [args[i].Element for i in range(args.Count)] if args is not None else []


def _lookback(node) -> timedelta | None:
    """How far back a bound points: ago(X) is X, now(-X) is X, now() - X is X."""
    if str(node.Kind) == "SubtractExpression":
        return _constant_timespan(node.Right, sign=1)
    args = _args(node)
    if len(args) != 1:
        return None
    return _constant_timespan(args[0], sign=1 if _callee(node) == "ago" else -1)


def _constant_timespan(expr, sign: int) -> timedelta | None:
    if expr is None or not expr.IsConstant:
        return None
    seconds = getattr(expr.ConstantValue, "TotalSeconds", None)
    return None if seconds is None else timedelta(seconds=sign * float(seconds))


def _watchlist_call(call) -> RawWatchlistCall:
    args = _args(call)
    if not args:
        return RawWatchlistCall(None, call.TextStart, call.Width)
    arg = args[0]
    value = arg.LiteralValue if arg.IsLiteral else None
    return RawWatchlistCall(value if isinstance(value, str) else None, arg.TextStart, arg.Width)


def _wildcards(syn, root) -> list[tuple[str, RawSpan]]:
    out: list[tuple[str, RawSpan]] = []
    for op in root.GetDescendants[syn.QueryOperator]():
        kind = str(op.Kind)
        if kind == "SearchOperator" and op.InClause is None:
            out.append(("search", RawSpan(op.TextStart, op.Width)))
        elif kind == "UnionOperator":
            exprs = op.Expressions
            for i in range(exprs.Count):
                e = exprs[i].Element
                if str(e.ToString()).strip() == "*":
                    out.append(("union", RawSpan(op.TextStart, op.Width)))
    return out
