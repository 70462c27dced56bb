"""The backtest report: per-rule summaries and totals, as JSON (machines), markdown (PR comments), text (people).

Per rule: status, runs (and how many were suppressed), alerts, alerts per day,
distinct entities, the five entities in most alerts, first and last alert.
JSON also carries every alert: `{rule, rule_id, run_time, title, severity,
entities: [{type, <identifier>: value…}], custom_details, start_time,
end_time}`. With `--expect`, each episode (covered or not, by which rules) and
precision/recall per family.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from ..engine.kqltypes import format_datetime
from ..simulate import Entity
from .expect import ExpectScore
from .replay import AlertRecord, RuleOutcome
from .run import BacktestResult

NRT_NOTE = (
    "NRT rules are approximated by a one-minute schedule over ingestion time (rows' $IngestionTime, "
    "else TimeGenerated plus the project's ingestion_delay)"
)
TOP = 5


def _t(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment else None


def entity_label(entity: Entity) -> str:
    ids = entity.identifiers
    for key in ("FullName", "Name", "Address", "HostName", "ResourceId", "Url", "AadUserId", "AppId"):
        if ids.get(key):
            return f"{entity.type}:{ids[key]}"
    return f"{entity.type}:" + ",".join(f"{k}={v}" for k, v in sorted(ids.items()))


def rule_summary(outcome: RuleOutcome, days: float) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    for record in outcome.alerts:
        for label in {entity_label(e) for e in record.alert.entities}:
            counts[label] += 1
    times = [a.run_time for a in outcome.alerts]
    return {
        "rule": outcome.rule.name,
        "rule_id": outcome.rule.id,
        "file": outcome.rule.display,
        "kind": outcome.rule.kind,
        "family": outcome.family,
        "status": outcome.status,
        "tables": outcome.tables,
        "runs": outcome.runs,
        "queried": outcome.queried,
        "suppressed": outcome.suppressed,
        "alerts": len(outcome.alerts),
        "alerts_per_day": round(len(outcome.alerts) / days, 2) if days else None,
        "distinct_entities": len(counts),
        "top_entities": [{"entity": k, "alerts": n} for k, n in counts.most_common(TOP)],
        "first_alert": _t(min(times)) if times else None,
        "last_alert": _t(max(times)) if times else None,
        "seconds": round(outcome.seconds, 2),
        "problem": outcome.problem.render() if outcome.problem else None,
        "notes": outcome.notes,
    }


def alert_dict(record: AlertRecord) -> dict[str, Any]:
    a = record.alert
    return {
        "rule": record.rule.name,
        "rule_id": record.rule.id,
        "run_time": format_datetime(record.run_time),
        "title": a.title,
        "severity": a.severity,
        "entities": [{"type": e.type, **e.identifiers} for e in a.entities],
        "custom_details": a.custom_details,
        "start_time": _t(a.start_time),
        "end_time": _t(a.end_time),
        "events": len(a.rows),
    }


def to_dict(result: BacktestResult, expect: ExpectScore | None = None) -> dict[str, Any]:
    rules = [rule_summary(o, result.days) for o in result.rules]
    total_alerts = sum(len(o.alerts) for o in result.rules)
    runs = sum(o.runs for o in result.rules)
    queried = sum(o.queried for o in result.rules)
    rows = sum(t.rows for t in result.tables.values())
    out: dict[str, Any] = {
        "source": result.source,
        "start": _t(result.start),
        "end": _t(result.end),
        "history": _t(result.history),
        "days": round(result.days, 3),
        "totals": {
            "rules": len(result.rules),
            "backtested": sum(o.status == "ok" for o in result.rules),
            "not_backtested": sum(o.status in ("no-data", "too-short") for o in result.rules),
            "failed": sum(o.status == "failed" for o in result.rules),
            "runs": runs,
            "queried": queried,
            "alerts": total_alerts,
            "alerts_per_day": round(total_alerts / result.days, 2) if result.days else None,
            "rows": rows,
            "seconds": round(result.seconds, 2),
            "load_seconds": round(result.load_seconds, 2),
        },
        "tables": {
            n: {"rows": t.rows, "first": _t(t.first), "last": _t(t.last)} for n, t in sorted(result.tables.items())
        },
        "rules": rules,
        "alerts": [alert_dict(a) for o in result.rules for a in o.alerts],
        "errors": [_finding(f) for f in result.findings if f.is_error],
        "warnings": [_finding(f) for f in result.findings if not f.is_error],
        "notes": [NRT_NOTE] if any(o.rule.kind == "NRT" for o in result.rules) else [],
    }
    if expect is not None:
        out["expect"] = expect_dict(expect)
    return out


def _finding(f) -> dict[str, Any]:
    return {"file": f.file, "line": f.line, "column": f.column, "code": f.code, "message": f.message}


def expect_dict(score: ExpectScore) -> dict[str, Any]:
    return {
        "file": score.file,
        "episodes": [
            {
                "id": es.episode.id,
                "family": es.episode.family,
                "benign": es.episode.benign,
                "covered": es.covered,
                "alerts": len(es.alerts),
                "rules": es.rules,
            }
            for es in score.episodes
        ],
        "families": [
            {
                "family": f.family,
                "rules": f.rules,
                "episodes": f.episodes,
                "covered": f.covered,
                "recall": _r(f.recall),
                "alerts": f.alerts,
                "true_positive_alerts": f.true_positives,
                "precision": _r(f.precision),
                "false_positives_per_day": _r(score.false_positives_per_day(f)),
            }
            for f in score.families
        ],
        "notes": score.notes,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def render_json(result: BacktestResult, expect: ExpectScore | None = None) -> str:
    return json.dumps(to_dict(result, expect), indent=2, ensure_ascii=False)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _status(r: dict[str, Any]) -> str:
    return {"ok": "ok", "no-data": "NO DATA", "too-short": "RANGE TOO SHORT", "failed": "FAILED"}[r["status"]]


def render_text(result: BacktestResult, expect: ExpectScore | None = None) -> str:
    d = to_dict(result, expect)
    lines = []
    for f in result.findings:
        lines.append(f.render())
    if d["start"]:
        lines.append(f"backtest over {d['source']}: {d['start']} .. {d['end']} ({d['days']:g} days){_history(d)}")
    header = (
        f"{'rule':<48} {'status':<8} {'runs':>6} {'supp':>5} {'alerts':>7} {'/day':>7} {'entities':>8}  "
        "first .. last alert"
    )
    if d["rules"]:
        lines.append(header)
    for r in d["rules"]:
        per_day = "" if r["alerts_per_day"] is None else f"{r['alerts_per_day']:.1f}"
        span = f"{r['first_alert']} .. {r['last_alert']}" if r["first_alert"] else ""
        lines.append(
            f"{r['rule'][:48]:<48} {_status(r):<8} {r['runs']:>6} {r['suppressed']:>5} {r['alerts']:>7} "
            f"{per_day:>7} {r['distinct_entities']:>8}  {span}"
        )
        if r["top_entities"]:
            lines.append("    top: " + ", ".join(f"{e['entity']} ({e['alerts']})" for e in r["top_entities"]))
        if r["problem"]:
            lines.append(f"    {r['problem']}")
        for note in r["notes"][:3]:
            lines.append(f"    note: {note}")
    t = d["totals"]
    if d["start"]:
        per_day = "" if t["alerts_per_day"] is None else f", {t['alerts_per_day']:.1f}/day"
        lines.append(
            f"total: {t['backtested']}/{t['rules']} rules backtested "
            f"({t['not_backtested']} not, {t['failed']} failed), "
            f"{t['runs']:,} runs ({t['queried']:,} queried), {t['alerts']:,} alerts{per_day}; "
            f"{t['rows']:,} rows in {t['load_seconds']:.1f} s, total {t['seconds']:.1f} s"
        )
    lines.extend(f"note: {n}" for n in d["notes"])
    if expect is not None:
        lines.extend(_expect_text(d["expect"]))
    return "\n".join(lines)


def _expect_text(e: dict[str, Any]) -> list[str]:
    lines = [f"episodes ({e['file']}):"]
    for ep in e["episodes"]:
        mark = (
            ("FALSE POSITIVE" if ep["covered"] else "quiet")
            if ep["benign"]
            else ("covered" if ep["covered"] else "MISSED")
        )
        by = f" by {', '.join(ep['rules'])}" if ep["rules"] else ""
        lines.append(f"  {ep['id']:<8} {ep['family']:<20} {'benign' if ep['benign'] else 'attack':<6} {mark}{by}")
    lines.extend(f"note: {n}" for n in e["notes"])
    lines.append(
        f"{'family':<24} {'rules':>5} {'episodes':>8} {'covered':>7} {'recall':>7} {'alerts':>7} "
        f"{'precision':>9} {'FP/day':>7}"
    )
    for f in e["families"]:
        fp = "–" if f["false_positives_per_day"] is None else f"{f['false_positives_per_day']:.2f}"
        lines.append(
            f"{f['family']:<24} {f['rules']:>5} {f['episodes']:>8} {f['covered']:>7} {_pct(f['recall']):>7} "
            f"{f['alerts']:>7} {_pct(f['precision']):>9} {fp:>7}"
        )
    return lines


def _history(d: dict[str, Any]) -> str:
    return f"; look-backs read logs from {d['history']}" if d.get("history") else ""


def render_md(result: BacktestResult, expect: ExpectScore | None = None) -> str:
    d = to_dict(result, expect)
    t = d["totals"]
    out = [f"### Backtest: {d['source']}", ""]
    if d["start"]:
        out.append(
            f"{d['start']} .. {d['end']} ({d['days']:g} days): **{t['alerts']} alerts** from "
            f"{t['backtested']}/{t['rules']} rules, {t['runs']:,} runs{_history(d)}"
        )
        out.append("")
    out += [
        "| rule | status | runs | suppressed | alerts | alerts/day | entities | top entities "
        "| first alert | last alert |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in d["rules"]:
        top = "<br>".join(f"`{_md(e['entity'])}` ({e['alerts']})" for e in r["top_entities"][:3])
        per_day = "" if r["alerts_per_day"] is None else f"{r['alerts_per_day']:.1f}"
        out.append(
            f"| {_md(r['rule'])} | {_status(r)} | {r['runs']} | {r['suppressed']} | {r['alerts']} | {per_day} | "
            f"{r['distinct_entities']} | {top} | {r['first_alert'] or ''} | {r['last_alert'] or ''} |"
        )
    problems = [r["problem"] for r in d["rules"] if r["problem"]] + [
        f"{w['file']}: {w['code']} {w['message']}" for w in d["errors"] + d["warnings"]
    ]
    if problems:
        out += ["", *[f"- {_md(p)}" for p in problems]]
    if d["notes"]:
        out += ["", *[f"_{n}_" for n in d["notes"]]]
    if expect is not None:
        e = d["expect"]
        out += [
            "",
            "| family | rules | episodes | covered | recall | alerts | precision | FP/day |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for f in e["families"]:
            fp = "–" if f["false_positives_per_day"] is None else f"{f['false_positives_per_day']:.2f}"
            out.append(
                f"| {f['family']} | {f['rules']} | {f['episodes']} | {f['covered']} | {_pct(f['recall'])} | "
                f"{f['alerts']} | {_pct(f['precision'])} | {fp} |"
            )
        missed = [ep["id"] for ep in e["episodes"] if not ep["benign"] and not ep["covered"]]
        noisy = [ep["id"] for ep in e["episodes"] if ep["benign"] and ep["covered"]]
        if e["notes"]:
            out += ["", *[f"_{_md(n)}_" for n in e["notes"]]]
        out += [
            "",
            f"Missed attack episodes: {', '.join(missed) or 'none'}. "
            f"Alerts on benign episodes: {', '.join(noisy) or 'none'}.",
        ]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


RENDERERS = {"text": render_text, "json": render_json, "md": render_md}
