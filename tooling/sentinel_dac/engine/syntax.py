"""Where things are in a KQL query: function calls, the final pipeline, tokens.

The engine's rewrites and pipeline stages need exact character spans, never a
regular expression over text (a string literal or a comment may contain
anything). We read the concrete syntax tree duckdb-kql already builds (its
ANTLR parser of Microsoft's KQL grammar; `ParseResult.tree` is its documented
escape hatch). This is the one module that knows that tree, so the
compatibility layer (issue 6) can swap in Kusto.Language's tree here.

`Mapped` is text assembled from pieces of the original query plus synthetic
text, remembering where each piece came from, so an error the engine reports
in assembled text is mapped back to the author's offset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .errors import UnsupportedKql


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int  # exclusive


@dataclass(frozen=True)
class Call:
    """`name(arg, ...)` — spans are offsets into the parsed text, `end` exclusive."""

    name: str
    start: int
    end: int
    args: tuple[Token, ...]  # the arguments that are a single token (literals, names)
    arg_spans: tuple[tuple[int, int], ...] = ()  # every argument's span, `end` exclusive


@dataclass(frozen=True)
class Operator:
    """One `| operator ...` of the final pipeline: kind is e.g. `make-series`, `extend`."""

    kind: str
    start: int  # offset of the operator keyword (after the pipe)
    end: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Pipeline:
    """The query's last statement as `source | op | op ...`; `statements_end` is where it starts."""

    statements_end: int
    source_start: int
    source_end: int
    operators: tuple[Operator, ...]


@dataclass
class Parsed:
    text: str
    tree: Any
    calls: list[Call] = field(default_factory=list)


def _location(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: max(line - 1, 0)]) + column


@lru_cache(maxsize=512)
def parse(text: str) -> Parsed:
    """Parse with duckdb-kql's grammar; a text it cannot parse is unsupported KQL."""
    import duckdb_kql

    try:
        result = duckdb_kql.parse(text)
    except duckdb_kql.KqlSyntaxError as exc:
        first = exc.diagnostics[0] if exc.diagnostics else None
        offset = _location(text, first.span.line, first.span.column) if first else None
        detail = _short_diagnostic(first.message if first else str(exc))
        raise UnsupportedKql(
            "syntax",
            f"the embedded engine's KQL grammar cannot parse this query: {detail}",
            offset,
        ) from None
    parsed = Parsed(text, result.tree)
    parsed.calls = list(_calls(result.tree))
    return parsed


def _short_diagnostic(message: str) -> str:
    """ANTLR lists every token it expected (hundreds); keep the part a person reads."""
    head, _, expected = message.partition(" expecting ")
    if expected and len(expected) > 60:
        return head
    return message


def _is_terminal(node: Any) -> bool:
    return hasattr(node, "symbol")


def _walk(node: Any):
    yield node
    if not _is_terminal(node):
        for child in node.getChildren():
            yield from _walk(child)


def tokens(node: Any) -> tuple[Token, ...]:
    """The node's tokens in order (comments and whitespace excluded).

    Read from the parser's token stream by index range rather than by walking the subtree: rewrites
    ask for the tokens of every call and operator, and walking nested subtrees again and again was
    a measurable share of preparing a query.
    """
    if _is_terminal(node):
        sym = node.symbol
        return () if sym.type == -1 else (Token(sym.text, sym.start, sym.stop + 1),)
    stream = node.parser.getTokenStream() if getattr(node, "parser", None) is not None else None
    if stream is None or node.start is None or node.stop is None:
        return tuple(
            Token(n.symbol.text, n.symbol.start, n.symbol.stop + 1)
            for n in _walk(node)
            if _is_terminal(n) and n.symbol.type != -1
        )
    return tuple(
        Token(t.text, t.start, t.stop + 1)
        for t in stream.tokens[node.start.tokenIndex : node.stop.tokenIndex + 1]
        if t.channel == 0 and t.type != -1
    )


def _calls(tree: Any):
    for node in _walk(tree):
        if type(node).__name__ != "NamedFunctionCallExpressionContext":
            continue
        toks = tokens(node)
        if len(toks) < 3 or toks[1].text != "(":
            continue
        args = split_top_level(toks[2:-1], ",")
        spans = tuple((a[0].start, a[-1].end) for a in args)
        yield Call(toks[0].text, toks[0].start, toks[-1].end, tuple(a[0] for a in args if len(a) == 1), spans)


def calls_named(parsed: Parsed, names: set[str]) -> list[Call]:
    return [c for c in parsed.calls if c.name in names]


def split_top_level(toks: tuple[Token, ...] | list[Token], separator: str) -> list[list[Token]]:
    """Split a token run on `separator` where it is not inside (), [] or {}."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for tok in toks:
        if tok.text in "([{" and len(tok.text) == 1:
            depth += 1
        elif tok.text in ")]}" and len(tok.text) == 1:
            depth -= 1
        if depth == 0 and tok.text == separator:
            parts.append([])
            continue
        parts[-1].append(tok)
    return [p for p in parts if p] if any(parts) else []


def pipeline(parsed: Parsed) -> Pipeline | None:
    """The final query statement as a pipeline, or None when it is not one."""
    query = _child(parsed.tree, "QueryContext")
    statements = [c for c in (query.getChildren() if query else []) if type(c).__name__ == "StatementContext"]
    if not statements:
        return None
    last = statements[-1]
    expr = _descend(last, ("QueryStatementContext", "ExpressionContext", "PipeExpressionContext"))
    if expr is None:
        return None
    children = list(expr.getChildren())
    source = children[0]
    return Pipeline(last.start.start, source.start.start, source.stop.stop + 1, _operators(children[1:]))


@dataclass(frozen=True)
class PipeUnit:
    """A `source | op | ...` expression anywhere in the query (a let body, a join's right side, ...).

    `statement_start` is where the statement holding it starts (the lets before it are what it may
    use); `nested` is true inside a let function body or an mv-apply subquery, where the expression
    depends on parameters or on an outer row and so cannot be run on its own.
    """

    start: int
    end: int
    source_start: int
    source_end: int
    operators: tuple[Operator, ...]
    statement_start: int
    nested: bool
    final: bool


_NESTING = {"LetFunctionBodyContext", "ContextualSubExpressionContext", "FunctionBodyContext"}


def pipe_units(parsed: Parsed) -> list[PipeUnit]:
    """Every pipe expression of the query with at least one operator, outermost first."""
    query = _child(parsed.tree, "QueryContext")
    statements = [c for c in (query.getChildren() if query else []) if type(c).__name__ == "StatementContext"]
    final = pipeline(parsed)
    out: list[PipeUnit] = []
    for statement in statements:
        _collect_units(statement, statement.start.start, False, final, out)
    return out


def _collect_units(node: Any, statement_start: int, nested: bool, final: Pipeline | None, out: list) -> None:
    if _is_terminal(node):
        return
    name = type(node).__name__
    if name == "PipeExpressionContext":
        children = list(node.getChildren())
        source = children[0]
        operators = _operators(children[1:])
        if operators:
            start, end = node.start.start, node.stop.stop + 1
            is_final = final is not None and final.source_start == source.start.start and not nested
            out.append(
                PipeUnit(
                    start, end, source.start.start, source.stop.stop + 1, operators, statement_start, nested, is_final
                )
            )
    inner = nested or name in _NESTING
    for child in node.getChildren():
        _collect_units(child, statement_start, inner, final, out)


def _operators(children) -> tuple[Operator, ...]:
    operators = []
    for child in children:
        if type(child).__name__ != "PipedOperatorContext":
            continue
        after = _child(child, "AfterPipeOperatorContext")
        op = next(iter(after.getChildren())) if after is not None else None
        if op is None:
            continue
        operators.append(Operator(_kind(op), op.start.start, op.stop.stop + 1, tokens(op)))
    return tuple(operators)


def _child(node: Any, name: str) -> Any:
    if node is None or _is_terminal(node):
        return None
    return next((c for c in node.getChildren() if type(c).__name__ == name), None)


def _descend(node: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        node = _child(node, name)
        if node is None:
            return None
    return node


_ODD_NAMES = {"Mvexpand": "mv-expand", "Mvapply": "mv-apply", "GetSchema": "getschema"}


def operator_name(context_name: str) -> str:
    """`MakeSeriesOperatorContext` / `MakeSeriesOperator` → `make-series`."""
    base = context_name.removesuffix("Context").removesuffix("Operator")
    if base in _ODD_NAMES:
        return _ODD_NAMES[base]
    out = []
    for i, ch in enumerate(base):
        if ch.isupper() and i:
            out.append("-")
        out.append(ch.lower())
    return "".join(out)


def _kind(op: Any) -> str:
    return operator_name(type(op).__name__)


@dataclass
class Mapped:
    """Assembled query text with the original offset of every piece."""

    text: str = ""
    pieces: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, original start)

    def original(self, start: int, end: int, source: str) -> Mapped:
        if end > start:
            self.pieces.append((len(self.text), len(self.text) + end - start, start))
            self.text += source[start:end]
        return self

    def synthetic(self, text: str, anchor: int | None) -> Mapped:
        if text:
            if anchor is not None:
                self.pieces.append((len(self.text), len(self.text) + len(text), -anchor - 1))
            self.text += text
        return self

    def origin(self, offset: int) -> int | None:
        """The author's offset for `offset` in this text (a synthetic piece maps to its anchor)."""
        for start, end, orig in self.pieces:
            if start <= offset < end:
                return orig + (offset - start) if orig >= 0 else -orig - 1
        return None

    def origin_of_line(self, line: int, column: int) -> int | None:
        return self.origin(_location(self.text, line, column))


def copy_with_edits(out: Mapped, source: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> Mapped:
    """Append `source[start:end]` to `out`, replacing each (s, e, text) edit inside that range."""
    pos = start
    for s, e, text in sorted(edits):
        if s < start or e > end:
            continue
        out.original(pos, s, source)
        out.synthetic(text, s)
        pos = e
    return out.original(pos, end, source)


def redundant_parentheses(parsed: Parsed) -> list[tuple[int, int]]:
    """`(expr)` that is a whole pipeline source or a whole let value: (offset of '(', offset of ')').

    `(T | where x) | count` and `let v = (T | where x);` mean the same without them; duckdb-kql
    refuses a parenthesized source.
    """
    out = []
    for node in _walk(parsed.tree):
        name = type(node).__name__
        if name == "BeforePipeExpressionContext":
            target = node
        elif name == "LetVariableDeclarationContext":
            target = _child(node, "ExpressionContext")
        else:
            continue
        inner = target
        while inner is not None and not _is_terminal(inner):
            if type(inner).__name__ == "ParenthesizedExpressionContext":
                break
            kids = [c for c in inner.getChildren()]
            inner = kids[0] if len(kids) == 1 else None
        found = inner is not None and not _is_terminal(inner)
        found = found and type(inner).__name__ == "ParenthesizedExpressionContext"
        if found and inner.start.start == target.start.start and inner.stop.stop == target.stop.stop:
            out.append((inner.start.start, inner.stop.stop))
    return out
