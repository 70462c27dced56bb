"""`table(tableName)` inside a let function, the Azure-Sentinel idiom duckdb-kql's grammar cannot parse.

Many rules define `let aadFunc = (tableName:string) { table(tableName) | ... };` and call it as
`aadFunc("SigninLogs")`, `aadFunc("AADNonInteractiveUserSignInLogs")`. duckdb-kql's grammar has no
`table()` (a syntax error), so this runs *before* parsing, on the lexer's tokens (never on raw text):
each such function becomes one copy per distinct literal argument (let statements: duckdb-kql runs
tabular let variables, not tabular let functions), with `table(p)` replaced by that table
(https://learn.microsoft.com/kusto/query/table-function), and each call names its copy.
`table('Name')` with a literal becomes `Name`. Other uses are left to the grammar's refusal.
The result is a `Mapped` text, so errors still point into the author's query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .syntax import Mapped, copy_with_edits

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int  # exclusive


def _tokens(text: str) -> list[_Tok]:
    from antlr4 import InputStream
    from duckdb_kql._antlr.KqlLexer import KqlLexer

    lexer = KqlLexer(InputStream(text))
    lexer.removeErrorListeners()
    return [_Tok(t.text, t.start, t.stop + 1) for t in lexer.getAllTokens() if t.channel == 0]


def _literal(text: str) -> str | None:
    if len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0] and "\\" not in text:
        return text[1:-1]
    return None


def _table_ref(name: str) -> str:
    return name if _NAME.match(name) else "['" + name.replace("'", "\\'") + "']"


def expand_table_functions(query: str) -> Mapped | None:
    """The query with table()-functions specialised per call, or None when there is nothing to do."""
    if "table" not in query:
        return None
    toks = _tokens(query)
    uses = [i for i in range(len(toks) - 3) if toks[i].text == "table" and toks[i + 1].text == "("]
    uses = [i for i in uses if toks[i + 3].text == ")"]
    if not uses:
        return None
    edits: list[tuple[int, int, str]] = []
    specs: dict[str, _Specialised] = {}
    done: set[int] = set()
    for i in uses:
        literal = _literal(toks[i + 2].text)
        if literal is not None:
            edits.append((toks[i].start, toks[i + 3].end, _table_ref(literal)))
            done.add(i)
    for fn in _functions(toks):
        inside = [i for i in uses if i not in done and fn.body_open < i < fn.body_close]
        if not inside or any(toks[i + 2].text != fn.param for i in inside):
            continue
        calls = _calls(toks, fn)
        if not calls:
            continue
        values = list(dict.fromkeys(v for _, _, v in calls))
        replaced = [(toks[i].start, toks[i + 3].end) for i in inside]
        spec = _Specialised(fn, values, replaced)
        specs[spec.marker()] = spec
        edits.append((toks[fn.let].start, toks[fn.body_close].end, spec.marker()))
        for start, end, value in calls:
            edits.append((start, end, f"{fn.name}__sdac_{values.index(value)}"))
        done.update(inside)
    if not edits:
        return None
    try:
        return _assemble(query, toks, edits, specs)
    except _NotSpecialisable:
        return None


@dataclass(frozen=True)
class _Function:
    name: str
    param: str
    let: int  # token indexes
    body_open: int
    body_close: int


@dataclass
class _Specialised:
    fn: _Function
    values: list[str]
    replaced: list[tuple[int, int]]

    def marker(self) -> str:
        return f"\0{self.fn.name}\0"


def _functions(toks: list[_Tok]):
    """`let NAME = (p:string) { ... }` with exactly one string parameter."""
    for i in range(len(toks) - 8):
        t = toks[i : i + 8]
        if (
            t[0].text == "let"
            and t[2].text == "="
            and t[3].text == "("
            and t[5].text == ":"
            and t[6].text == "string"
            and t[7].text == ")"
            and i + 8 < len(toks)
            and toks[i + 8].text == "{"
        ):
            close = _matching(toks, i + 8)
            if close is not None:
                yield _Function(t[1].text, t[4].text, i, i + 8, close)


def _matching(toks: list[_Tok], open_at: int) -> int | None:
    depth = 0
    for j in range(open_at, len(toks)):
        if toks[j].text == "{":
            depth += 1
        elif toks[j].text == "}":
            depth -= 1
            if depth == 0:
                return j
    return None


def _calls(toks: list[_Tok], fn: _Function) -> list[tuple[int, int, str]]:
    out = []
    for j in range(fn.body_close + 1, len(toks) - 3):
        if toks[j].text == fn.name and toks[j + 1].text == "(" and toks[j + 3].text == ")":
            value = _literal(toks[j + 2].text)
            if value is None:
                return []  # a non-literal argument: cannot specialise
            out.append((toks[j].start, toks[j + 3].end, value))
    return out


def _assemble(query: str, toks: list[_Tok], edits: list[tuple[int, int, str]], specs) -> Mapped:
    out = Mapped()
    pos = 0
    for start, end, text in sorted(edits):
        if start < pos:
            continue
        out.original(pos, start, query)
        spec = specs.get(text)
        if spec is None:
            out.synthetic(text, start)
        else:
            _specialise(out, query, toks, spec, edits, specs)
        pos = end
    return out.original(pos, len(query), query)


def _specialise(out: Mapped, query: str, toks: list[_Tok], spec: _Specialised, edits, specs) -> None:
    """One copy per value: the body's own lets hoisted and renamed, its result a let variable.

    duckdb-kql runs let *variables* with tabular values but not tabular let *functions*, so
    `let f = (p:string) { let a = X; Y }` becomes `let f__sdac_0_a = X; let f__sdac_0 = Y`.
    """
    fn = spec.fn
    body = toks[fn.body_open + 1 : fn.body_close]
    statements = _split_statements(body)
    inner_names = [st[1].text for st in statements[:-1] if len(st) > 2 and st[0].text == "let" and st[2].text == "="]
    if len(inner_names) != len(statements) - 1 or not statements:
        raise _NotSpecialisable
    for n, value in enumerate(spec.values):
        prefix = f"{fn.name}__sdac_{n}"
        renames = [(t.start, t.end, f"{prefix}_{t.text}") for t in body if t.text in inner_names]
        inner = [(s, e, _table_ref(value)) for s, e in spec.replaced] + renames
        inner += [
            e
            for e in edits
            if toks[fn.body_open].end <= e[0] and e[1] <= toks[fn.body_close].start and e[2] not in specs
        ]
        for k, st in enumerate(statements):
            last = k == len(statements) - 1
            lead = "" if n == 0 and k == 0 else "; "
            if last:
                out.synthetic(f"{lead}let {prefix} = ", st[0].start)
                copy_with_edits(out, query, st[0].start, st[-1].end, inner)
            else:
                out.synthetic(lead, st[0].start)
                copy_with_edits(out, query, st[0].start, st[-1].end, inner)


class _NotSpecialisable(Exception):
    pass


def _split_statements(body: list[_Tok]) -> list[list[_Tok]]:
    out: list[list[_Tok]] = [[]]
    depth = 0
    for tok in body:
        if tok.text in ("(", "[", "{"):
            depth += 1
        elif tok.text in (")", "]", "}"):
            depth -= 1
        if depth == 0 and tok.text == ";":
            out.append([])
            continue
        out[-1].append(tok)
    return [st for st in out if st]
