"""Test cases: the `<rule>.tests.yaml` file beside a rule or hunting query, loaded into typed cases.

A hunting query's cases use the same format without the alert expectations (a hunting query
raises no alerts): `kind` says whether it returns rows, `result_count`/`results` what they are,
and `timespan` (hunting only) the range it runs over, ending at `now`.

Format (schemas/test-cases.schema.json; docs/testing.md has the full guide):

    cases:
      - name: burst of secret reads by one caller
        kind: positive                  # positive: must fire; negative: must not
        now: 2024-05-01T12:00:00Z        # the run's scheduled time (now() in the query)
        samples:
          - file: samples/burst.AZKVAuditLogs.jsonl     # table from the file name
          - table: AZKVAuditLogs                        # or rows inline
            ingestion_delay: 10m                         # rows arrive late (default: project setting)
            rows: [{TimeGenerated: 2024-05-01T11:50:00Z, OperationName: SecretGet}]
        expect:                          # all optional; fires defaults from kind
          alert_count: 1
          result_count: 1
          results: [{CallerIpAddress: 203.0.113.7, SecretCount: 25}]   # subset match
          alerts:
            - title: Mass secret read by alice@contoso.com
              severity: High
              entities: [{type: Account, identifiers: {FullName: alice@contoso.com}}]
              custom_details: {SecretCount: 25}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..content.durations import parse_delay
from ..content.yamlsrc import Pos, YamlDoc, YamlLoadError, load_yaml
from ..engine.kqltypes import parse_datetime
from ..findings import Finding
from ..schemas.check import check_schema


@dataclass(frozen=True)
class SampleRef:
    """One entry of a case's `samples`: a file, or inline rows of a table."""

    file: Path | None
    table: str | None
    rows: tuple[dict[str, Any], ...] | None
    rows_pos: tuple[Pos, ...]
    delay: timedelta | None
    pos: Pos


@dataclass(frozen=True)
class AlertExpectation:
    raw: dict[str, Any]
    pos: Pos


@dataclass(frozen=True)
class Expectation:
    fires: bool
    alert_count: int | None = None
    result_count: int | None = None
    results: tuple[dict[str, Any], ...] = ()
    alerts: tuple[AlertExpectation, ...] = ()


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    name: str
    kind: str
    now: datetime
    samples: tuple[SampleRef, ...]
    expect: Expectation
    file: str
    line: int
    description: str = ""
    timespan: timedelta | None = None


@dataclass
class TestFile:
    __test__ = False

    path: Path
    display: str
    cases: list[TestCase] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    doc: YamlDoc | None = None


def load_test_file(path: Path, display: str, hunting: bool = False) -> TestFile:
    """Load, schema-check and type one tests file; problems are findings, never exceptions.

    `hunting`: the file belongs to a hunting query (no alert expectations; `timespan` allowed).
    """
    tf = TestFile(path, display)
    try:
        doc = load_yaml(path, display)
    except YamlLoadError as exc:
        tf.findings.extend(exc.findings)
        return tf
    tf.doc = doc
    tf.findings.extend(doc.findings)
    tf.findings.extend(check_schema(doc, "test-cases"))
    if any(f.is_error for f in tf.findings):
        return tf
    seen: dict[str, int] = {}
    for i, raw in enumerate(doc.data["cases"]):
        case, problems = _case(doc, i, raw, path.parent, hunting)
        tf.findings.extend(problems)
        if case is None:
            continue
        if case.name in seen:
            tf.findings.append(
                Finding(
                    display,
                    case.line,
                    1,
                    "DAC511",
                    f"case name '{case.name}' is already used at line {seen[case.name]}",
                )
            )
            continue
        seen[case.name] = case.line
        tf.cases.append(case)
    return tf


def _case(
    doc: YamlDoc, i: int, raw: dict[str, Any], base: Path, hunting: bool = False
) -> tuple[TestCase | None, list[Finding]]:
    at = ("cases", i)
    problems: list[Finding] = []

    def problem(path: tuple, message: str) -> None:
        pos = doc.pos((*at, *path))
        problems.append(Finding(doc.display, pos.line, pos.column, "DAC510", message, field=".".join(map(str, path))))

    now = parse_datetime(raw["now"])  # the schema pattern guarantees the shape and the zone
    samples = []
    for j, s in enumerate(raw["samples"]):
        delay = None
        if "ingestion_delay" in s:
            try:
                delay = parse_delay(s["ingestion_delay"])
            except ValueError as exc:
                problem(("samples", j, "ingestion_delay"), str(exc))
        rows = tuple(s["rows"]) if "rows" in s else None
        samples.append(
            SampleRef(
                file=(base / s["file"]) if "file" in s else None,
                table=s.get("table"),
                rows=rows,
                rows_pos=tuple(doc.pos((*at, "samples", j, "rows", k)) for k in range(len(rows or ()))),
                delay=delay,
                pos=doc.pos((*at, "samples", j)),
            )
        )
    expect_raw = raw.get("expect") or {}
    positive = raw["kind"] == "positive"
    timespan = None
    if hunting:
        for key in ("alert_count", "alerts"):
            if key in expect_raw:
                problem(
                    ("expect", key),
                    f"a hunting query raises no alerts: {key} does not apply; expect result_count or results",
                )
        if "timespan" in raw:
            try:
                timespan = parse_delay(raw["timespan"])
            except ValueError as exc:
                problem(("timespan",), str(exc))
    elif "timespan" in raw:
        problem(("timespan",), "timespan applies to hunting query cases; a rule's run reads its queryPeriod")
    fires = expect_raw.get("fires", positive)
    if fires != positive:
        problem(("expect", "fires"), f"a {raw['kind']} case must {'' if positive else 'not '}fire; fix kind or fires")
    if not positive and (expect_raw.get("alert_count") or expect_raw.get("alerts")):
        problem(("expect",), "a negative case expects no alerts; alert_count/alerts contradict it")
    if positive and expect_raw.get("alert_count") == 0:
        problem(("expect", "alert_count"), "a positive case must raise at least one alert")
    expect = Expectation(
        fires=fires,
        alert_count=expect_raw.get("alert_count"),
        result_count=expect_raw.get("result_count"),
        results=tuple(expect_raw.get("results") or ()),
        alerts=tuple(
            AlertExpectation(a, doc.pos((*at, "expect", "alerts", k)))
            for k, a in enumerate(expect_raw.get("alerts") or ())
        ),
    )
    if problems:
        return None, problems
    line = doc.pos((*at, "name")).line
    case = TestCase(
        raw["name"], raw["kind"], now, tuple(samples), expect, doc.display, line, raw.get("description", ""), timespan
    )
    return case, problems
