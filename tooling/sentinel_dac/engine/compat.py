"""KQL-to-KQL rewrites for the embedded engine: everyday KQL duckdb-kql lacks, said in KQL it has.

Each rewrite is an edit of the author's text located on the syntax tree (`syntax.py`), never a
regular expression over text. Edits are small (a name, a bracket, an inserted argument) so that
rewrites nest: `tostring(split(column_ifexists("a", ""), "@", 0)[0])` gets three of them. Only
the embedded engine uses these; an ADX cluster runs the original KQL.

* `split(s, d, i)` → `array_slice(split(s, d), i, i)`: "the requested substring at the index, if it
  exists" as a one-element (or empty) array (https://learn.microsoft.com/kusto/query/split-function).
* `column_ifexists('c', default)` → `['c']` when a table the query reads has column `c` in the
  catalogue, else `(default)` (https://learn.microsoft.com/kusto/query/column-ifexists-function).
  Resolved against the catalogue, not the pipeline's schema at that point: a column projected away
  earlier reads as missing at run time instead of falling back to the default.
* `parse [kind=simple] e with ...` → `extend` with `extract()` (see `parse_rewrite`).
* `(T | ...) | ...` and `let v = (T | ...);` lose the redundant parentheses duckdb-kql refuses.
* `mv-expand f(Col, ...)` (unnamed) → `mv-expand Col = f(Col, ...)` for the functions Kusto names
  after their first argument (`FIRST_ARGUMENT_NAMED`): `mv-expand todynamic(AuthenticationDetails)`
  replaces `AuthenticationDetails` ("MFA spamming" rules), `mv-expand split(Address, ";")` replaces
  `Address` ("mail forwarding" rules). Other unnamed calls (Kusto: `Column1`) stay refused.
* `extract_all(regex, dynamic(["Name", ...]), s)` → the groups' 1-based indexes: "Named capture
  groups are also allowed" (https://learn.microsoft.com/kusto/query/extract-all-function); Kusto's
  regexes are RE2, which numbers named and unnamed groups in one sequence from the left. duckdb-kql
  selects groups by index only. A name the regex lacks is left alone (duckdb-kql refuses it).
* `timespan / number` → `timespan * (1.0 / number)`: "timespan / real → timespan" (KQL's arithmetic
  table, https://learn.microsoft.com/kusto/query/numerical-operators). duckdb-kql 1.1.2 divides any
  timespan expression as timespan / timespan and fails to bind (`epoch(BIGINT)`). Rewritten where
  both sides are known without a schema: literals, `let` names bound to a literal, and products or
  quotients of those (`let Window = 20min; ... Window / 2`). Other divisions of a timespan by a
  number are refused by name at run time (`embedded._runtime_error`), not answered wrongly.
* `X == ""` / `X =~ ""` → `isempty(X)`, `X != ""` / `X !~ ""` → `isnotempty(X)`: Kusto has no null
  string ("" stands for it), but an outer join's unmatched string columns are NULL in DuckDB, and
  there `NULL = ''` is null (the row dropped) while `!=` kept it: three wrong answers after a
  leftouter join (`where Policy == ""`, `iff(Policy == "", ...)`, `where Policy != ""`).
"""

from __future__ import annotations

import ast
import re

from ..catalog.tables import TableCatalog
from .errors import UnsupportedKql
from .syntax import Parsed, _walk, pipe_units, redundant_parentheses, tokens

Edit = tuple[int, int, str]


def compat_edits(parsed: Parsed, catalog: TableCatalog, names: set[str]) -> list[Edit]:
    text = parsed.text
    edits: list[Edit] = []
    columns = _catalogue_columns(catalog, names)
    for call in parsed.calls:
        spans = call.arg_spans
        if call.name == "split" and len(spans) == 3:
            index = text[spans[2][0] : spans[2][1]]
            edits += [
                (call.start, call.start, "array_slice("),
                (spans[1][1], spans[2][0], "), "),
                (spans[2][1], spans[2][1], f", {index}"),
            ]
        elif call.name == "column_ifexists" and len(spans) == 2:
            literal = text[spans[0][0] : spans[0][1]]
            if len(literal) < 2 or literal[0] not in "'\"" or literal[-1] != literal[0]:
                continue  # not a constant name: left to the engine, which reports it
            name = literal[1:-1]
            if name in columns:
                edits.append((call.start, call.end, f"['{name}']"))
            else:
                edits += [(call.start, spans[1][0], "("), (spans[1][1], call.end, ")")]
        elif call.name in ("extract_all", "extractall") and len(spans) == 3:
            edit = _named_groups(text, spans)
            if edit is not None:
                edits.append(edit)
    for open_at, close_at in redundant_parentheses(parsed):
        edits += [(open_at, open_at + 1, " "), (close_at, close_at + 1, " ")]
    edits += timespan_divisions(parsed)
    for unit in pipe_units(parsed):
        for op in unit.operators:
            if op.kind == "mv-expand":
                edits += _name_mv_expand(op.tokens)
            elif op.kind == "parse":
                edit = parse_rewrite(op, text)
                if edit is not None:
                    edits.append(edit)
    starts = {e[0] for e in edits}  # an edit already opening at the operand (split, column_ifexists): leave it
    edits += [e for e in empty_string_comparisons(parsed) if e[0] not in starts and e[1] not in starts]
    return edits


def _named_groups(text: str, spans) -> Edit | None:
    """`dynamic(["IPAddress", "Port"])` as `dynamic([2, 5])` for a literal regex naming those groups."""
    regex = string_value(text[spans[0][0] : spans[0][1]].strip())
    selection = text[spans[1][0] : spans[1][1]].strip()
    if regex is None or not selection.startswith("dynamic(") or not selection.endswith(")"):
        return None
    try:
        members = ast.literal_eval(selection[len("dynamic(") : -1].strip())
    except (ValueError, SyntaxError):
        return None
    if not isinstance(members, list) or not any(isinstance(m, str) for m in members):
        return None
    names = capture_group_names(regex)
    if any(isinstance(m, str) and m not in names for m in members):
        return None
    indexes = [names.index(m) + 1 if isinstance(m, str) else m for m in members]
    return (spans[1][0], spans[1][1], f"dynamic([{', '.join(str(i) for i in indexes)}])")


def capture_group_names(regex: str) -> list[str | None]:
    """Each capture group of an RE2 regex in order: its name, or None when unnamed.

    Counts as duckdb-kql does (`\\x` escapes, `[...]` classes, `(?:`/lookaround not capturing) so the
    indexes mean the same to it; `(?P<n>`, `(?<n>` and `(?'n'` are named groups.
    """
    out: list[str | None] = []
    i, in_class = 0, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            named = re.match(r"\?(?:P?<(?![=!])([^>]*)>|'([^']*)')", regex[i + 1 :])
            if named:
                out.append(named.group(1) if named.group(1) is not None else named.group(2))
            elif not regex.startswith("?", i + 1):
                out.append(None)
        i += 1
    return out


def merge(edits: list[Edit]) -> list[Edit]:
    """Drop edits inside a larger replacement (its text already stands for theirs)."""
    out = []
    for s, e, t in edits:
        inside = any(s0 <= s and e <= e0 and (s0, e0) != (s, e) and e0 > s0 for s0, e0, _ in edits)
        if not inside:
            out.append((s, e, t))
    return sorted(set(out), key=lambda x: (x[0], x[1]))


def _catalogue_columns(catalog: TableCatalog, names: set[str]) -> set[str]:
    out: set[str] = set()
    for name in names:
        table = catalog.get(name)
        if table is not None:
            out |= {c.name for c in table.columns}
    return out


FIRST_ARGUMENT_NAMED = frozenset(
    {
        "abs",
        "acos",
        "asin",
        "atan",
        "atan2",
        "bin",
        "bin_at",
        "bin_auto",
        "binary_and",
        "binary_not",
        "binary_or",
        "binary_shift_left",
        "binary_shift_right",
        "binary_xor",
        "bitset_count_ones",
        "ceiling",
        "cos",
        "erf",
        "erfc",
        "exp",
        "exp10",
        "exp2",
        "floor",
        "format_bytes",
        "format_datetime",
        "format_timespan",
        "gamma",
        "log",
        "log10",
        "log2",
        "loggamma",
        "parse_csv",
        "parse_json",
        "parse_xml",
        "parsejson",
        "pow",
        "rand",
        "round",
        "series_fill_backward",
        "series_fill_const",
        "series_fill_forward",
        "series_fill_linear",
        "series_fir",
        "series_iir",
        "series_outliers",
        "sin",
        "split",
        "sqrt",
        "startofday",
        "tan",
        "tobool",
        "toboolean",
        "todatetime",
        "todecimal",
        "todouble",
        "todynamic",
        "toguid",
        "tohex",
        "toint",
        "tolong",
        "toobject",
        "toreal",
        "tostring",
        "totime",
        "totimespan",
    }
)
"""Functions whose unnamed result Kusto names after their first argument (Kusto.Language's
`ResultNameKind.FirstArgument`; tests/test_compat.py checks this list against it)."""


def _name_mv_expand(toks) -> list[Edit]:
    """`mv-expand f(Col, ...)` → `mv-expand Col = f(Col, ...)` when Kusto names f's result after `Col`."""
    from .syntax import split_top_level

    body = list(toks[1:])
    edits = []
    for part in split_top_level(body, ","):
        if part[0].text.lower() in ("with_itemindex", "bagexpansion", "kind", "limit"):
            continue
        expr = part
        for i, tok in enumerate(part):
            if tok.text.lower() in ("to", "limit"):
                expr = part[:i]
                break
        if len(expr) < 4 or expr[0].text not in FIRST_ARGUMENT_NAMED or expr[1].text != "(" or expr[-1].text != ")":
            continue
        args = split_top_level(expr[2:-1], ",")
        if args and len(args[0]) == 1 and (args[0][0].text[:1].isalpha() or args[0][0].text[:1] == "_"):
            edits.append((expr[0].start, expr[0].start, f"{args[0][0].text} = "))
    return edits


# -- parse -------------------------------------------------------------------------------------------------------
_TYPE_REGEX = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "real": r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?",
    "double": r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?",
}
_CONVERT = {
    "int": "toint",
    "long": "tolong",
    "real": "toreal",
    "double": "toreal",
    "datetime": "todatetime",
    "timespan": "totimespan",
    "bool": "tobool",
    "guid": "toguid",
}


def parse_rewrite(op, text: str) -> Edit | None:
    """`parse [kind=simple] Expr with * "const" Col:type ...` → extend with extract().

    https://learn.microsoft.com/kusto/query/parse-operator: the pattern becomes one regular expression
    (`*` and string columns `.*?`, long `-?\\d+`), matched from the start of the text; a pattern ending
    in a column takes the rest of the text. Unparsed rows get null (empty strings). duckdb-kql parses
    only some pattern shapes natively; this rewrite handles every pattern of kind simple.
    """
    toks = list(op.tokens[1:])
    kind = "simple"
    while len(toks) >= 3 and toks[1].text == "=" and toks[0].text.lower() in ("kind", "flags"):
        if toks[0].text.lower() == "flags":
            return None
        kind = toks[2].text.lower()
        toks = toks[3:]
    if kind != "simple":  # regex: whether a trailing column takes the rest is not documented; left refused
        return None
    with_at = next((i for i, t in enumerate(toks) if t.text.lower() == "with"), None)
    if not with_at:
        return None
    source = text[toks[0].start : toks[with_at - 1].end]
    parts: list[str] = []
    columns: list[tuple[str, str]] = []
    pattern = toks[with_at + 1 :]
    i = 0
    while i < len(pattern):
        tok = pattern[i]
        if tok.text == "*":
            parts.append(".*?")
        elif tok.text[:1] in "'\"@":
            value = string_value(tok.text)
            if value is None:
                return None
            parts.append(_re_escape(value))
        elif tok.text[:1].isalpha() or tok.text[:1] == "_":
            ctype = "string"
            if i + 2 < len(pattern) and pattern[i + 1].text == ":":
                ctype = pattern[i + 2].text.lower()
                i += 2
            parts.append(f"({_TYPE_REGEX.get(ctype, '.*?')})")
            columns.append((tok.text, ctype))
        else:
            return None
        i += 1
    if not columns or len(columns) > 9:  # DuckDB's regexp_extract reaches groups 1-9 only
        return None
    if pattern[0].text == "*" or pattern[0].text[:1] in "'\"@":
        return None  # a shape duckdb-kql parses natively
    ends_with_column = pattern[-1].text[:1] not in "'\"@*"
    regex = "^" + "".join(parts) + ("$" if ends_with_column else "")
    literal = '@"' + regex.replace('"', '""') + '"'
    assigns = []
    for n, (name, ctype) in enumerate(columns, start=1):
        value = f"extract({literal}, {n}, __sdac_parse)"
        assigns.append(f"{name} = {_CONVERT[ctype]}({value})" if ctype in _CONVERT else f"{name} = {value}")
    replacement = (
        f"extend __sdac_parse = tostring({source})\n| extend {', '.join(assigns)}\n| project-away __sdac_parse"
    )
    return (op.start, op.end, replacement)


def _re_escape(value: str) -> str:
    return "".join("\\" + c if c in r".^$*+?()[]{}|\/" else c for c in value)


def string_value(literal: str) -> str | None:
    """A KQL string literal's value (`"..."`, `'...'` with escapes, `@"..."` verbatim); None if malformed."""
    if literal.startswith("@"):
        quote = literal[1]
        return literal[2:-1].replace(quote * 2, quote)
    quote = literal[0]
    if len(literal) < 2 or literal[-1] != quote:
        return None
    out, i, body = [], 0, literal[1:-1]
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


_NUMBER_LITERALS = frozenset(
    {"LongLiteralExpressionContext", "RealLiteralExpressionContext", "IntLiteralExpressionContext"}
)


def timespan_divisions(parsed: Parsed) -> list[Edit]:
    """`timespan / number` as `timespan * (1.0 / number)` where both kinds are known (see the module notes)."""
    kinds = _let_literal_kinds(parsed)
    edits: list[Edit] = []
    for node in _walk(parsed.tree):
        if type(node).__name__ != "MultiplicativeExpressionContext" or node.getChildCount() < 2:
            continue
        children = list(node.getChildren())
        left = _operand_kind(children[0], kinds)
        for operation in children[1:]:
            op_toks = tokens(operation)
            sign = op_toks[0].text
            right = _operand_kind(operation.getChild(operation.getChildCount() - 1), kinds)
            if sign == "/" and left == "timespan" and right == "number":
                edits += [(op_toks[0].start, op_toks[0].end, "* (1.0 /"), (op_toks[-1].end, op_toks[-1].end, ")")]
            left = _product_kind(sign, left, right)
    return edits


def _let_literal_kinds(parsed: Parsed) -> dict[str, str]:
    """`let Name = <literal>;` statements: the literal's kind per name (a name bound twice, or also a
    function parameter somewhere, is left out: its kind depends on scope)."""
    kinds: dict[str, str] = {}
    shadowed: set[str] = set()
    for node in _walk(parsed.tree):
        kind = type(node).__name__
        if kind == "LetVariableDeclarationContext":
            toks = tokens(node)
            if len(toks) == 4 and toks[2].text == "=":
                value = _operand_kind(node.getChild(node.getChildCount() - 1), {})
                if toks[1].text in kinds and kinds[toks[1].text] != value:
                    shadowed.add(toks[1].text)
                kinds[toks[1].text] = value
        elif kind == "LetFunctionParameterListContext":
            shadowed |= {t.text for t in tokens(node)}
    return {name: k for name, k in kinds.items() if name not in shadowed and k != "unknown"}


def _operand_kind(node, kinds: dict[str, str]) -> str:
    toks = tokens(node)
    if len(toks) != 1:
        return "unknown"
    for sub in _walk(node):
        name = type(sub).__name__
        if name == "TimeSpanLiteralExpressionContext":
            return "timespan"
        if name in _NUMBER_LITERALS:
            return "number"
    return kinds.get(toks[0].text, "unknown")


def _product_kind(sign: str, left: str, right: str) -> str:
    pair = (left, right)
    if sign == "*":
        return {("timespan", "number"): "timespan", ("number", "timespan"): "timespan"}.get(
            pair, "number" if pair == ("number", "number") else "unknown"
        )
    if sign == "/":
        return {
            ("timespan", "number"): "timespan",
            ("timespan", "timespan"): "number",
            ("number", "number"): "number",
        }.get(pair, "unknown")
    return "unknown"


def refuse_shadowed_parameters(parsed: Parsed) -> None:
    """Refuse a let function whose parameter is named like an earlier `let`.

    duckdb-kql 1.1.2 resolves such a parameter to the outer value: `let W = 1h; let f = (W:long)
    { W * 2 }; print f(5)` gives 02:00:00 where Kusto gives 10 (a parameter shadows the outer name).
    A silent wrong answer, so the query is refused at the parameter; rename it to run it here.
    """
    declared: set[str] = set()
    for node in _walk(parsed.tree):
        kind = type(node).__name__
        if kind == "LetFunctionParameterListContext":
            toks = tokens(node)
            for i, tok in enumerate(toks[:-1]):
                if toks[i + 1].text == ":" and tok.text in declared:
                    raise UnsupportedKql(
                        "parameter shadowing a let",
                        f"the function parameter '{tok.text}' has the name of an earlier let statement; the "
                        "embedded engine (duckdb-kql 1.1.2) would read the let's value instead of the argument, "
                        "so it refuses: rename the parameter",
                        tok.start,
                    )
        elif kind in ("LetVariableDeclarationContext", "LetFunctionDeclarationContext"):
            toks = tokens(node)
            if len(toks) > 1:
                declared.add(toks[1].text)


_EMPTY_LITERALS = frozenset({'""', "''", '@""', "@''"})
_COMPARISONS = {"==": "isempty", "=~": "isempty", "!=": "isnotempty", "!~": "isnotempty"}


def empty_string_comparisons(parsed: Parsed) -> list[Edit]:
    """`X == ""` and kin as isempty/isnotempty(X) (see the module notes); the literal on either side."""
    edits: list[Edit] = []
    for node in _walk(parsed.tree):
        if type(node).__name__ not in ("EqualityExpressionContext", "StringBinaryOperatorExpressionContext"):
            continue
        if node.getChildCount() != 2:
            continue
        operation = node.getChild(1)
        op_toks = tokens(operation)
        function = _COMPARISONS.get(op_toks[0].text) if op_toks else None
        if function is None:
            continue
        left, right = tokens(node.getChild(0)), tokens(operation.getChild(operation.getChildCount() - 1))
        if _empty_literal(right) and not _empty_literal(left):
            other = left
        elif _empty_literal(left) and not _empty_literal(right):
            other = right
        else:
            continue
        whole = tokens(node)
        edits += [(whole[0].start, other[0].start, f"{function}("), (other[-1].end, whole[-1].end, ")")]
    return edits


def _empty_literal(toks) -> bool:
    return len(toks) == 1 and toks[0].text.lstrip("hH") in _EMPTY_LITERALS
