"""`mv-apply` as a pipeline stage: expand, run the subquery per input row, add the row's columns back.

Microsoft's definition (https://learn.microsoft.com/kusto/query/mv-apply-operator): each input
record is expanded (mv-expand) into a subtable; the subquery runs on each subtable; the source
columns that were not expanded are added to each result row (here: those the subquery's result
lacks); the union of the results is returned. An unnamed expanded column replaces the input
column of that name. A named one (`P = TargetResources`) leaves the input column in place:
Azure-Sentinel rules expand the same column twice that way ("PIM elevation request rejected").

Here every step stays on duckdb-kql and DuckDB, set-wise instead of per row:

1. number the input rows (`__sdac_row`);
2. `extend Name = (expr), ... | mv-expand ...` on duckdb-kql (its own mv-expand, `to typeof()`,
   `with_itemindex`, `limit`). The subtable keeps the row's other columns: real rules read them
   in the subquery (`mv-apply token = tokens on (where vmSize contains token)`, Azure-Sentinel's
   "Creation of expensive computes"), and Sentinel runs those rules;
3. the subquery once over all subtables, keyed by `__sdac_row`: row-wise operators (where,
   extend, parse, order…) unchanged, `project`/`distinct` keep the key, `summarize` groups by it;
4. join the result back to the input row's other columns, in input order.

Operators whose meaning depends on the subtable as a whole beyond grouping (`top`, `take`, `sample`,
`top-nested`, `serialize`/window functions, `join`, `union`…) are refused at their position.
"""

from __future__ import annotations

from dataclasses import dataclass

from .duckdb_tables import q
from .errors import UnsupportedKql
from .stages import Span, Stage, StageRunner, _append, _span
from .syntax import Mapped, Operator, Token, split_top_level

ROW = "__sdac_row"

_ROW_WISE = {
    "where",
    "filter",
    "extend",
    "parse",
    "parse-where",
    "parse-kv",
    "project-away",
    "project-rename",
    "project-reorder",
    "order",
    "sort",
    "mv-expand",
    "as",
}
_KEEP_KEY = {"project", "project-keep", "distinct"}


@dataclass
class ApplyItem:
    name: str
    expr: Span
    column: str | None  # the input column the expression names, when it is a bare column
    to_type: str | None


@dataclass
class SubOp:
    kind: str
    start: int
    end: int
    insert_at: int | None  # where the row key is inserted
    insert: str


@dataclass
class MvApply(Stage):
    items: list[ApplyItem]
    index_name: str | None
    limit: Span | None
    sub: list[SubOp]
    summarize_without_by: bool

    @classmethod
    def parse(cls, op: Operator) -> MvApply:
        toks = list(op.tokens[1:])
        on = _top_level_on(toks)
        if on is None:
            raise UnsupportedKql("mv-apply", "mv-apply needs `on (subquery)`", op.start)
        head, body = toks[:on], toks[on + 2 : -1]
        index_name = None
        if len(head) >= 3 and head[0].text.lower() == "with_itemindex" and head[1].text == "=":
            index_name, head = head[2].text, head[3:]
        limit = None
        for i, tok in enumerate(head):
            if tok.text.lower() == "limit" and i + 1 < len(head):
                limit, head = _span(head[i + 1 :]), head[:i]
                break
        items = [_item(part, n) for n, part in enumerate(split_top_level(head, ","))]
        if not items:
            raise UnsupportedKql("mv-apply", "mv-apply needs at least one array expression to expand", op.start)
        sub = [_sub_op(part) for part in split_top_level(body, "|")]
        if not sub:
            raise UnsupportedKql("mv-apply", "mv-apply needs a subquery in `on (…)`", op.start)
        last = sub[-1]
        return cls(
            start=op.start,
            items=items,
            index_name=index_name,
            limit=limit,
            sub=sub,
            summarize_without_by=last.kind == "summarize" and last.insert.startswith(" by"),
        )

    def run(self, runner: StageRunner, source: str, into: str) -> list[str]:
        rows, expanded, applied = f"{into}_rows", f"{into}_expanded", f"{into}_applied"
        runner.sql_into(rows, f"SELECT *, row_number() OVER () AS {ROW} FROM {q(source)}")
        runner.into(self._expand(runner, rows), expanded)
        runner.into(self._subquery(runner, expanded), applied)
        sub_cols = [c for c in runner.columns(applied) if c != ROW]
        in_sub = {c.casefold() for c in sub_cols}
        expanded_columns = {i.column.casefold() for i in self.items if i.column and i.name == i.column}
        select = []
        for c in runner.columns(source):
            if c.casefold() in in_sub:
                select.append(f"s.{q(c)}")
            elif c.casefold() not in expanded_columns:
                select.append(f"r.{q(c)}")
        source_cols = {c.casefold() for c in runner.columns(source)}
        select += [f"s.{q(c)}" for c in sub_cols if c.casefold() not in source_cols]
        join = "LEFT JOIN" if self.summarize_without_by else "JOIN"
        runner.sql_into(
            into,
            f"SELECT {', '.join(select)} FROM {q(rows)} r {join} "
            f"(SELECT *, row_number() OVER () AS __sdac_seq FROM {q(applied)}) s ON r.{ROW} = s.{ROW} "
            f"ORDER BY r.{ROW}, s.__sdac_seq",
        )
        return []

    def _expand(self, runner: StageRunner, rows: str) -> Mapped:
        text = runner.lets().synthetic(f"{rows}\n| extend ", self.start)
        for n, item in enumerate(self.items):
            text.synthetic(f"{', ' if n else ''}{item.name} = (", item.expr[0])
            _append(text, runner.fragment(*item.expr))
            text.synthetic(")", item.expr[1])
        text.synthetic("\n| mv-expand ", self.start)
        if self.index_name:
            text.synthetic(f"with_itemindex = {self.index_name} ", self.start)
        for n, item in enumerate(self.items):
            text.synthetic(("" if n == 0 else ", ") + item.name, item.expr[0])
            if item.to_type:
                text.synthetic(f" to {item.to_type}", item.expr[0])
        if self.limit:
            text.synthetic(" limit ", self.limit[0])
            _append(text, runner.fragment(*self.limit))
        return text

    def _subquery(self, runner: StageRunner, expanded: str) -> Mapped:
        text = runner.lets().synthetic(expanded, self.start)
        for op in self.sub:
            text.synthetic("\n| ", op.start)
            if op.insert_at is None:
                _append(text, runner.fragment(op.start, op.end))
            else:
                _append(text, runner.fragment(op.start, op.insert_at))
                text.synthetic(op.insert, op.insert_at)
                _append(text, runner.fragment(op.insert_at, op.end))
        return text


def _top_level_on(toks: list[Token]) -> int | None:
    depth = 0
    for i, tok in enumerate(toks):
        if tok.text in ("(", "[", "{"):
            depth += 1
        elif tok.text in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and tok.text.lower() == "on" and i + 1 < len(toks) and toks[i + 1].text == "(":
            return i
    return None


def _item(part: list[Token], n: int) -> ApplyItem:
    name = None
    if len(part) >= 3 and part[1].text == "=":
        name, part = part[0].text, part[2:]
    to_type = None
    if len(part) >= 2 and part[-2].text.lower() == "to" and part[-1].text.lower().startswith("typeof"):
        to_type, part = part[-1].text, part[:-2]
    column = part[0].text if len(part) == 1 and (part[0].text[:1].isalpha() or part[0].text[:1] == "_") else None
    return ApplyItem(name or column or f"__sdac_apply_{n}", _span(part), column, to_type)


def _sub_op(part: list[Token]) -> SubOp:
    kind = part[0].text.lower()
    start, end = part[0].start, part[-1].end
    if kind in _ROW_WISE:
        return SubOp(kind, start, end, None, "")
    if kind in _KEEP_KEY:
        rest = part[1:]
        if kind == "distinct" and rest and rest[0].text == "*":
            return SubOp(kind, start, end, None, "")
        return SubOp(kind, start, end, part[0].end, f" {ROW},")
    if kind == "summarize":
        depth = 0
        for tok in part[1:]:
            if tok.text in ("(", "[", "{"):
                depth += 1
            elif tok.text in (")", "]", "}"):
                depth -= 1
            elif depth == 0 and tok.text.lower() == "by":
                return SubOp(kind, start, end, tok.end, f" {ROW},")
        return SubOp(kind, start, end, end, f" by {ROW}")
    raise UnsupportedKql(
        f"mv-apply subquery: {kind}",
        f"`{kind}` inside an mv-apply subquery is not supported by the embedded engine "
        "(supported there: row-wise operators, project, distinct, summarize)",
        start,
    )
