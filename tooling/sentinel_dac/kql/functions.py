"""Declarations from a loaded project: its watchlists and its parsers."""

from __future__ import annotations

from collections.abc import Iterable

from ..content.model import Parser, Watchlist
from .symbols import FunctionDecl, Functions, Param


def parser_params(parser: Parser) -> tuple[Param, ...]:
    return tuple(Param(p.name, p.type, p.default) for p in parser.params)


def project_functions(watchlists: Iterable[Watchlist], parsers: Iterable[Parser]) -> Functions:
    """Every watchlist alias with its CSV columns, and every parser under its name and alias."""
    return Functions(
        watchlists=tuple((w.alias, tuple(w.columns)) for w in watchlists),
        functions=tuple(
            FunctionDecl(
                names=tuple(dict.fromkeys((p.function_name, p.function_alias))),
                params=parser_params(p),
                body=p.query,
            )
            for p in parsers
        ),
    )
