"""A whole project → its API objects, in the order they can be created.

A query may call a parser (by its function alias) or read a watchlist
(`_GetWatchlist('alias')`); those objects must exist before the rule or hunting query is
created -- the service compiles a rule's query when it is saved. Dependencies are found by
name in the query text: a false match only adds an ordering edge, never drops one.
"""

from __future__ import annotations

import re
from graphlib import CycleError, TopologicalSorter

from ..content.load import Project
from ..errors import DeployError
from .objects import DEPLOY_ORDER, ApiObject, Kind, Placement
from .rules import rule_object
from .savedsearches import hunting_query_object, parser_object
from .watchlists import watchlist_object
from .workbooks import workbook_object

_WATCHLIST_CALL = re.compile(r"""_GetWatchlist\s*\(\s*(?:@?['"])([^'"]+)['"]""")


def build_objects(project: Project, placement: Placement) -> list[ApiObject]:
    """Every deployable object of the project, dependencies first.

    The project must have passed validation; a dependency cycle between parsers is an error.
    """
    watchlists = [watchlist_object(w) for w in project.watchlists]
    parser_names = {p.function_alias.lower(): p for p in project.parsers}
    wl_names = {w.name.lower(): w.name for w in watchlists}

    def deps(query: str, self_alias: str | None = None) -> tuple[tuple[Kind, str], ...]:
        found: list[tuple[Kind, str]] = []
        for alias in _WATCHLIST_CALL.findall(query):
            if alias.lower() in wl_names:
                found.append((Kind.WATCHLIST, wl_names[alias.lower()]))
        for word in dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", query)):
            parser = parser_names.get(word.lower())
            if parser is not None and word.lower() != (self_alias or "").lower():
                found.append((Kind.PARSER, _parser_name(parser)))
        return tuple(dict.fromkeys(found))

    objects: list[ApiObject] = [*watchlists]
    objects += [parser_object(p, deps(p.query, p.function_alias)) for p in project.parsers]
    # deprecated rules and hunting queries: sent disabled / marked "[Deprecated]" (rule_object,
    # hunting_query_body), or left out so the plan removes them
    remove = project.config.deprecated_rules == "remove"

    def kept(item) -> bool:
        return not (remove and item.meta is not None and item.meta.deprecated is not None)

    objects += [rule_object(r, deps(r.query)) for r in project.rules if kept(r)]
    for q in filter(kept, project.hunting):
        obj = hunting_query_object(q)
        obj.depends_on = deps(q.query)
        objects.append(obj)
    objects += [workbook_object(w, placement) for w in project.workbooks]
    return order(objects)


def order(objects: list[ApiObject]) -> list[ApiObject]:
    """Topological order; among independent objects, by kind (DEPLOY_ORDER) then source file."""
    by_key = {o.key: o for o in objects}
    rank = {k: i for i, k in enumerate(DEPLOY_ORDER)}
    sorter: TopologicalSorter = TopologicalSorter()
    for o in objects:
        sorter.add(o.key, *(d for d in o.depends_on if d in by_key))
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(by_key[k].title or k[1] for k in exc.args[1] if k in by_key)
        raise DeployError(f"content depends on itself in a cycle: {cycle}") from None
    out: list[ApiObject] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=lambda k: (rank[k[0]], by_key[k].source, k[1]))
        out.extend(by_key[k] for k in ready)
        sorter.done(*ready)
    return out


def _parser_name(parser) -> str:
    return parser_object(parser).name
