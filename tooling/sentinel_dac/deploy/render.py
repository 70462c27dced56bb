"""A project as one target sees it: selected content, parameters rendered into KQL, overrides applied.

A rule declares its parameters in `<rule>.meta.yaml` (`parameters: [threshold, ...]`); each one
is a top-level `let NAME = <literal>;` statement of its query (a line starting with `let`). A
target gives values (`overrides.parameters` for every rule, `overrides.rules.<id>.parameters` for
one), and rendering replaces the literal. The rule file itself stays a valid Azure-Sentinel rule
with its defaults, and tests run against the rendered form (`sentinel-dac test --target NAME`),
so what is tested is what is deployed.

`render_for_target(project, target)` returns a new `Project`; the one loaded from disk is not
changed. Problems (a parameter the query does not declare, an override for a rule that does not
exist, a selection matching nothing) raise `DeployError` naming the file and line.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from ..content.dependencies import parser_closure, watchlist_aliases
from ..content.load import Project
from ..content.model import AnalyticsRule, HuntingQuery, Watchlist
from ..content.watchlists import parse_items
from ..content.yamlsrc import read_text
from ..errors import DeployError
from ..findings import Finding
from ..targets import Target

_LITERAL = (
    r"(?:'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
    r"(?:d|h|m|s|ms|microsecond|tick)?|true|false|datetime\([^)\n]*\)|dynamic\([^;\n]*\))"
)
_TIMESPAN = re.compile(r"^-?\d+(?:\.\d+)?(?:d|h|m|s|ms)$")


def _let(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?m)^(?P<head>[ \t]*let[ \t]+{re.escape(name)}[ \t]*=[ \t]*)(?P<value>{_LITERAL})(?=[ \t]*;)")


def declared_parameters(rule: AnalyticsRule | HuntingQuery) -> tuple[str, ...]:
    meta = rule.meta
    return tuple((meta.raw.get("parameters") or ()) if meta is not None else ())


def parameter_problems(rule: AnalyticsRule | HuntingQuery) -> list[Finding]:
    """DAC603 for each declared parameter that is not a top-level `let NAME = literal;` of the query."""
    out = []
    for i, name in enumerate(declared_parameters(rule)):
        if not _let(name).search(rule.query):
            pos = rule.meta.source.pos(("parameters", i))
            out.append(
                Finding(
                    rule.meta.source.display,
                    pos.line,
                    pos.column,
                    "DAC603",
                    f"parameter '{name}' is not a top-level `let {name} = <literal>;` of {rule.display}'s query",
                    field=f"parameters[{i}]",
                )
            )
    return out


def kql_literal(template: str, value: Any) -> str:
    """`value` written as the kind of literal `template` is (a string stays a string, a timespan a timespan)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if template[:1] in "'\"":
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if _TIMESPAN.match(text) or re.fullmatch(r"(?:datetime|dynamic)\(.*\)", text, re.S):
        return text
    raise ValueError(
        f"'{text}' cannot replace the literal {template} (give a number, a timespan such as 1h, or a string)"
    )


def render_query(query: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        pattern = _let(name)
        m = pattern.search(query)
        if m is None:
            raise ValueError(f"the query has no top-level `let {name} = <literal>;`")
        query = query[: m.start("value")] + kql_literal(m.group("value"), value) + query[m.end("value") :]
    return query


@dataclasses.dataclass(frozen=True)
class RuleSettings:
    """What a target changes in a rule besides its query."""

    enabled: bool = True
    severity: str | None = None


def render_for_target(project: Project, target: Target) -> tuple[Project, dict[str, RuleSettings]]:
    """The project this target gets, and per rule id (lower case) its enabled/severity settings."""
    problems: list[str] = []
    rules_by_key = {r.id.lower(): r for r in project.rules} | {r.name.lower(): r for r in project.rules}
    for key, ov in target.overrides.rules.items():
        if key not in rules_by_key:
            problems.append(
                f"{target.file}:{ov.pos.line}: DAC602 target '{target.name}' overrides rule '{key}', "
                "which the project does not have (use the rule's id or name)"
            )
    for alias in target.overrides.watchlists:
        if not any(w.alias.lower() == alias.lower() for w in project.watchlists):
            pos = target.pos("overrides", "watchlists", alias)
            problems.append(
                f"{target.file}:{pos.line}: DAC602 target '{target.name}' overrides watchlist '{alias}', "
                "which the project does not have"
            )
    settings: dict[str, RuleSettings] = {}
    rules = []
    for rule in project.rules:
        if not _selected(project, target, rule):
            continue
        ov = target.overrides.rules.get(rule.id.lower()) or target.overrides.rules.get(rule.name.lower())
        declared = declared_parameters(rule)
        values = {k: v for k, v in target.overrides.parameters.items() if k in declared}
        if ov is not None:
            for name in ov.parameters:
                if name not in declared:
                    problems.append(
                        f"{target.file}:{ov.pos.line}: DAC602 rule '{rule.name}' declares no parameter '{name}' "
                        f"(its parameters: {', '.join(declared) or 'none'}; declare them in its .meta.yaml)"
                    )
            values.update({k: v for k, v in ov.parameters.items() if k in declared})
        try:
            query = render_query(rule.query, values) if values else rule.query
        except ValueError as exc:
            problems.append(f"{rule.display}: DAC603 target '{target.name}': {exc}")
            continue
        enabled = True
        if target.overrides.enabled is not None:
            enabled = target.overrides.enabled
        if ov is not None and ov.enabled is not None:
            enabled = ov.enabled
        severity = ov.severity if ov is not None else None
        rules.append(dataclasses.replace(rule, query=query, severity=severity or rule.severity))
        settings[rule.id.lower()] = RuleSettings(enabled, severity)
    hunting = [q for q in project.hunting if _selected(project, target, q)]
    if not rules and not hunting and project.items():
        pos = target.pos("content")
        problems.append(f"{target.file}:{pos.line}: DAC604 target '{target.name}' selects no rule or hunting query")
    if problems:
        raise DeployError("cannot render content for target:\n" + "\n".join(f"  {p}" for p in problems))
    wanted = parser_closure(project, (i.query for i in [*rules, *hunting]))
    parsers = [
        p
        for p in project.parsers
        if _selected_path(project, target, p.source.path) or p.function_alias.lower() in wanted
    ]
    read = watchlist_aliases([*(i.query for i in [*rules, *hunting]), *(p.query for p in parsers)])
    watchlists = [
        _override_watchlist(w, target)
        for w in project.watchlists
        if _selected_path(project, target, w.source.path) or w.alias.lower() in read
    ]
    workbooks = [w for w in project.workbooks if _selected_path(project, target, w.source.path)]
    rendered = dataclasses.replace(
        project, rules=rules, hunting=hunting, parsers=parsers, watchlists=watchlists, workbooks=workbooks
    )
    return rendered, settings


def _selected(project: Project, target: Target, item: AnalyticsRule | HuntingQuery) -> bool:
    family = item.meta.family if item.meta is not None else None
    return target.selection.selects(project.display(item.path), family)


def _selected_path(project: Project, target: Target, path) -> bool:
    sel = target.selection
    if not sel.include:  # families select rules and hunting queries only; the rest comes as dependencies
        return not sel.families and sel.selects(project.display(path), None)
    return sel.selects(project.display(path), None)


def _override_watchlist(watchlist: Watchlist, target: Target) -> Watchlist:
    """The watchlist with the target's own CSV (e.g. its allowlist), checked like the project's."""
    csv = next((p for a, p in target.overrides.watchlists.items() if a.lower() == watchlist.alias.lower()), None)
    if csv is None:
        return watchlist
    text = read_text(csv, str(csv))
    columns, rows, findings = parse_items(text, str(csv), watchlist.search_key)
    errors = [f for f in findings if f.is_error]
    if errors or watchlist.search_key not in columns:
        detail = "; ".join(f"{f.location}: {f.code} {f.message}" for f in errors) or (
            f"itemsSearchKey '{watchlist.search_key}' is not one of its columns ({', '.join(columns)})"
        )
        raise DeployError(f"target '{target.name}': watchlist override for '{watchlist.alias}': {detail}")
    return dataclasses.replace(watchlist, csv_path=csv, columns=tuple(columns), rows=tuple(rows))
