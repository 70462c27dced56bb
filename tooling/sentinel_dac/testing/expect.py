"""Compare a simulated run with a case's expectations; explain every difference.

Expected values come from YAML, actual ones from the engine, so comparison is
by meaning: numbers numerically (1e-9 relative), timestamps as instants,
dynamic values structurally, strings exactly. Expected result rows and alerts
are subsets: each must match a distinct actual row/alert on the columns or
fields it names; a failure shows the closest actual one and what differs.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from itertools import permutations
from typing import Any

from ..engine.kqltypes import ValueTypeError, parse_datetime, parse_timespan, to_text
from ..simulate.run import RunResult
from .cases import Expectation


def same(expected: Any, actual: Any) -> bool:
    """Whether a YAML value means the engine's value."""
    if expected is None:
        return actual is None or actual == ""
    if isinstance(actual, datetime) and isinstance(expected, str):
        try:
            return parse_datetime(expected) == actual
        except ValueTypeError:
            return False
    if isinstance(actual, timedelta) and isinstance(expected, str):
        try:
            return parse_timespan(expected) == actual
        except ValueTypeError:
            return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (isinstance(actual, bool) and expected == to_text(actual))
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(same(e, a) for e, a in zip(expected, actual, strict=True))
    if isinstance(expected, str) and isinstance(actual, str):
        return expected == actual
    return False


def show(value: Any) -> str:
    text = to_text(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check(expect: Expectation, run: RunResult) -> list[str]:
    """Every unmet expectation, as readable lines (empty: the case passes)."""
    problems: list[str] = []
    n_alerts, n_rows = len(run.alerts), len(run.result.rows)
    if expect.fires != run.fired and run.hunting:
        problems.append(
            f"expected the hunting query to return {'rows' if expect.fires else 'no rows'} "
            f"({'positive' if expect.fires else 'negative'} case), but {run.trigger}"
        )
    elif expect.fires != run.fired:
        verb = "fire" if expect.fires else "not fire"
        problems.append(
            f"expected the rule to {verb}, but it raised {n_alerts} alert(s): the query returned {n_rows} row(s) "
            f"and the trigger is {run.trigger.split(' ', 2)[2]}"
        )
    if expect.alert_count is not None and expect.alert_count != n_alerts:
        problems.append(f"expected {expect.alert_count} alert(s), got {n_alerts}")
    if expect.result_count is not None and expect.result_count != n_rows:
        problems.append(f"expected {expect.result_count} result row(s), got {n_rows}")
    records = run.result.records()
    problems += _match_all(
        [(dict(r), f"result row {i + 1}") for i, r in enumerate(expect.results)],
        records,
        lambda exp, act: [
            f"{k}: expected {show(v)}, got {show(act[k]) if k in act else '(no such column)'}"
            for k, v in exp.items()
            if k not in act or not same(v, act[k])
        ],
        "result row",
        lambda act: f"columns: {', '.join(act)}" if act else "",
    )
    alerts = [a.to_dict() | {"_entities": a.entities} for a in run.alerts]
    problems += _match_all(
        [(a.raw, f"alert {i + 1}") for i, a in enumerate(expect.alerts)], alerts, _alert_diff, "alert", lambda a: ""
    )
    return problems


def _match_all(expected, actual, diff, noun, context) -> list[str]:
    """Match each expected item to a distinct actual one; report the unmatched with their closest candidate."""
    if not expected:
        return []
    lines = [f"expected at least {len(expected)} {noun}(s), got {len(actual)}"] if len(expected) > len(actual) else []
    assignment = _assign([e for e, _ in expected], actual, diff)
    for (exp, label), chosen in zip(expected, assignment, strict=True):
        if chosen is not None:
            continue
        if not actual:
            lines.append(f"{label} {_brief(exp)}: no {noun}s to compare with")
            continue
        best = min(range(len(actual)), key=lambda i: len(diff(exp, actual[i])))
        differences = diff(exp, actual[best])
        extra = context(actual[best])
        lines.append(f"{label} {_brief(exp)} not found among {len(actual)} {noun}(s); closest is {noun} {best + 1}:")
        lines.extend(f"  - {d}" for d in differences)
        if extra and any("no such column" in d for d in differences):
            lines.append(f"  ({noun} {best + 1} has {extra})")
    return lines


def _assign(expected: list, actual: list, diff) -> list[int | None]:
    ok = [[not diff(e, a) for a in actual] for e in expected]
    if len(expected) <= 6 and len(actual) <= 8:
        best: list[int | None] = [None] * len(expected)
        best_n = -1
        for perm in permutations(range(len(actual)), min(len(expected), len(actual))):
            hits = [p if ok[i][p] else None for i, p in enumerate(perm)]
            n = sum(h is not None for h in hits)
            if n > best_n:
                best, best_n = hits + [None] * (len(expected) - len(hits)), n
        return best if expected else []
    used: set[int] = set()
    out: list[int | None] = []
    for row in ok:
        pick = next((j for j, good in enumerate(row) if good and j not in used), None)
        if pick is not None:
            used.add(pick)
        out.append(pick)
    return out


def _brief(value: dict) -> str:
    text = ", ".join(f"{k}={show(v)}" for k, v in value.items())
    return "{" + (text if len(text) < 100 else text[:97] + "...") + "}"


def _alert_diff(exp: dict[str, Any], act: dict[str, Any]) -> list[str]:
    out = []
    for key in ("title", "description", "severity"):
        if key in exp and exp[key] != act[key]:
            out.append(f"{key}: expected {exp[key]!r}, got {act[key]!r}")
    if "tactics" in exp and sorted(exp["tactics"]) != sorted(act["tactics"]):
        out.append(f"tactics: expected {exp['tactics']}, got {act['tactics']}")
    for ent in exp.get("entities", []):
        want = {k: to_text(v) for k, v in ent["identifiers"].items()}
        found = [e for e in act["_entities"] if e.type == ent["type"]]
        if not any(all(e.identifiers.get(k) == v for k, v in want.items()) for e in found):
            have = "; ".join(", ".join(f"{k}={v}" for k, v in e.identifiers.items()) for e in found) or "none"
            out.append(f"entity {ent['type']} {want} missing (the alert's {ent['type']} entities: {have})")
    for key, value in exp.get("custom_details", {}).items():
        want = sorted(to_text(v) for v in value) if isinstance(value, list) else [to_text(value)]
        got = act["custom_details"].get(key)
        if got is None:
            out.append(
                f"custom detail {key}: not defined by the rule (defined: {', '.join(act['custom_details']) or 'none'})"
            )
        elif sorted(got) != want:
            out.append(f"custom detail {key}: expected {want if isinstance(value, list) else want[0]!r}, got {got}")
    for key, value in exp.get("properties", {}).items():
        if act["properties"].get(key) != value:
            out.append(f"property {key}: expected {value!r}, got {act['properties'].get(key)!r}")
    return out
