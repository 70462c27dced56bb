"""Declarations from a loaded project: its watchlists and its parsers."""

from __future__ import annotations

from collections.abc import Iterable

from ..content.model import Parser, Watchlist
from ..content.watchlists import STATE_ALIAS, STATE_COLUMNS
from .symbols import FunctionDecl, Functions, Param


def parser_params(parser: Parser) -> tuple[Param, ...]:
    return tuple(Param(p.name, p.type, p.default) for p in parser.params)


def project_functions(watchlists: Iterable[Watchlist], parsers: Iterable[Parser]) -> Functions:
    """Every watchlist alias with its CSV columns, and every parser under its name and alias; plus
    `SentinelDacState`, the watchlist deploy keeps in each workspace, unless the repository defines one."""
    declared = [(w.alias, tuple(w.columns)) for w in watchlists]
    if all(alias.casefold() != STATE_ALIAS.casefold() for alias, _ in declared):
        declared.append((STATE_ALIAS, STATE_COLUMNS))
    return Functions(
        watchlists=tuple(declared),
        functions=tuple(
            FunctionDecl(
                names=tuple(dict.fromkeys((p.function_name, p.function_alias))),
                params=parser_params(p),
                body=p.query,
            )
            for p in parsers
        ),
    )
