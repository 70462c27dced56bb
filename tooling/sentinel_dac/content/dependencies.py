"""Which parsers and watchlists a query depends on, directly or through the parsers it calls.

Deploy sends a selected rule's parsers and watchlists with it (`deploy/render.py`); `diff` lists the
rules a changed parser or watchlist affects (`lifecycle/diff.py`). Both ask here, so "uses" means the
same thing in both places: a parser is used when its FunctionAlias appears as a word in the query (or
in the body of a parser the query uses, transitively); a watchlist when `_GetWatchlist('alias')` names it
in any of those texts. Names compare case-insensitively, as Log Analytics resolves them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .load import Project

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WATCHLIST_CALL = re.compile(r"""_GetWatchlist\s*\(\s*@?['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class Dependencies:
    """Lower-cased parser aliases and watchlist aliases."""

    parsers: frozenset[str]
    watchlists: frozenset[str]


def parser_closure(project: Project, queries: Iterable[str]) -> set[str]:
    """Function aliases the queries call, and those the called parsers call in turn."""
    by_alias = {p.function_alias.lower(): p for p in project.parsers}
    todo = [w.lower() for q in queries for w in _WORD.findall(q) if w.lower() in by_alias]
    seen: set[str] = set()
    while todo:
        alias = todo.pop()
        if alias in seen:
            continue
        seen.add(alias)
        todo += [w.lower() for w in _WORD.findall(by_alias[alias].query) if w.lower() in by_alias]
    return seen


def watchlist_aliases(texts: Iterable[str]) -> set[str]:
    """Watchlist aliases named by `_GetWatchlist('...')` in the texts."""
    return {a.lower() for t in texts for a in _WATCHLIST_CALL.findall(t)}


def dependencies(project: Project, queries: Iterable[str]) -> Dependencies:
    """The parsers the queries use (transitively) and the watchlists they or those parsers read."""
    texts = list(queries)
    parsers = parser_closure(project, texts)
    bodies = [p.query for p in project.parsers if p.function_alias.lower() in parsers]
    return Dependencies(frozenset(parsers), frozenset(watchlist_aliases([*texts, *bodies])))
