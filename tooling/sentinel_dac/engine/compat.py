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
* `mv-expand f(Col)` (an unnamed call on one column) → `mv-expand Col = f(Col)`: Kusto names an
  expression by the column it reads, so `mv-expand todynamic(AuthenticationDetails)` replaces
  `AuthenticationDetails`, as Azure-Sentinel's "MFA spamming" rules rely on.
"""

from __future__ import annotations

from ..catalog.tables import TableCatalog
from .syntax import Parsed, pipe_units

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
    for unit in pipe_units(parsed):
        for op in unit.operators:
            if op.kind == "mv-expand":
                edits += _name_mv_expand(op.tokens)
    return edits


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


def _name_mv_expand(toks) -> list[Edit]:
    """`mv-expand f(Col)` → `mv-expand Col = f(Col)` for each unnamed one-column call."""
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
        if len(expr) == 4 and expr[1].text == "(" and expr[3].text == ")" and expr[2].text[:1].isalpha():
            edits.append((expr[0].start, expr[0].start, f"{expr[2].text} = "))
    return edits
