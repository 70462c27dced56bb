"""Render a test report: text for people, JSON for machines, JUnit XML for CI dashboards."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from .runner import TestReport

_MARK = {"passed": "PASS", "failed": "FAIL", "not_run": "NOT RUN"}


def summary_line(report: TestReport) -> str:
    errors = sum(p.is_error for p in report.problems)
    verdict = "OK" if report.ok else "FAILED"
    hunting = f", {report.hunting} hunting quer{'y' if report.hunting == 1 else 'ies'}" if report.hunting else ""
    return (
        f"{verdict}: {report.rules} rule(s){hunting}, {len(report.results)} case(s): {report.count('passed')} passed, "
        f"{report.count('failed')} failed, {report.count('not_run')} not run"
        + (f"; {errors} error(s) in test files or samples" if errors else "")
        + f" [engine: {report.engine}]"
    )


def render_text(report: TestReport, verbose: bool = False) -> str:
    lines = []
    for p in report.problems:
        lines.append(f"{p.file}:{p.line}: {p.code} {p.message}" + ("" if p.is_error else " [warning]"))
    for r in report.results:
        head = f"{_MARK[r.status]:7} {r.rule} :: {r.case}"
        if r.status == "passed" and not verbose:
            lines.append(head + (f"  ({len(r.notes)} note(s))" if r.notes else ""))
            continue
        lines.append(head)
        if r.status != "passed":
            lines.append(f"        {r.file}:{r.line}")
            lines.extend("        " + ln for ln in r.message.splitlines())
        lines.extend(f"        note: {n}" for n in r.notes)
    lines.append(summary_line(report))
    return "\n".join(lines)


def render_json(report: TestReport, verbose: bool = False) -> str:
    return json.dumps(
        {
            "rules": report.rules,
            "hunting_queries": report.hunting,
            "cases": len(report.results),
            "passed": report.count("passed"),
            "failed": report.count("failed"),
            "not_run": report.count("not_run"),
            "ok": report.ok,
            "engine": report.engine,
            "results": [r.to_dict() for r in report.results],
            "errors": [p.to_dict() for p in report.problems if p.is_error],
            "warnings": [p.to_dict() for p in report.problems if not p.is_error],
        },
        indent=2,
    )


RENDERERS: dict[str, Callable[[TestReport, bool], str]] = {"text": render_text, "json": render_json}


def write_junit(report: TestReport, path: Path) -> None:
    """One testsuite; a testcase per case (classname = rule file), not-run cases as skipped with the reason."""
    suite = ET.Element(
        "testsuite",
        name="sentinel-dac",
        tests=str(len(report.results) + len(report.problems)),
        failures=str(report.count("failed")),
        errors=str(sum(p.is_error for p in report.problems)),
        skipped=str(report.count("not_run")),
        time=f"{sum(r.seconds for r in report.results):.3f}",
    )
    for r in report.results:
        case = ET.SubElement(
            suite, "testcase", classname=r.rule, name=r.case, time=f"{r.seconds:.3f}", file=r.file, line=str(r.line)
        )
        if r.status == "failed":
            ET.SubElement(
                case, "failure", message=r.message.splitlines()[0] if r.message else "failed"
            ).text = r.message
        elif r.status == "not_run":
            ET.SubElement(case, "skipped", message=r.message)
        if r.notes:
            ET.SubElement(case, "system-out").text = "\n".join(r.notes)
    for p in report.problems:
        case = ET.SubElement(suite, "testcase", classname=p.file, name=f"{p.code} line {p.line}")
        tag = "error" if p.is_error else "system-out"
        ET.SubElement(case, tag, message=p.message).text = f"{p.file}:{p.line}: {p.code} {p.message}"
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
