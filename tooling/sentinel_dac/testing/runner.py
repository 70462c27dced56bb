"""Run every rule's test cases: the one runner behind `sentinel-dac test`, `check` and the pytest plugin.

`collect(project)` pairs each rule (and each hunting query that has a tests
file) with its tests file and reports what is missing (`--require-cases`: one
positive and one negative case per rule); `run_case(...)` builds the case's
data set, loads it into the engine, calls `simulate_run` (`simulate_hunt` for
a hunting query) and checks the expectations. A case ends `passed`, `failed`
(expectations unmet, bad samples, unsupported KQL, query errors) or `not_run`
(the engine is unavailable) — never silently skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..content.load import FileKind, Project, sibling_stem
from ..content.model import AnalyticsRule, HuntingQuery
from ..engine.base import Engine
from ..engine.errors import EngineError, EngineUnavailable, UnsupportedKql
from ..findings import Finding
from ..simulate import simulate_hunt, simulate_run
from .cases import TestCase, TestFile, load_test_file
from .data import CaseData, SampleCache, build_case_data
from .expect import check
from .workers import run_parallel, workers_for


@dataclass
class RuleTests:
    rule: AnalyticsRule | HuntingQuery | None
    display: str
    tests: TestFile | None
    problems: list[Finding] = field(default_factory=list)

    @property
    def cases(self) -> list[TestCase]:
        return self.tests.cases if self.tests else []


@dataclass
class CaseResult:
    rule: str
    case: str
    status: str  # passed | failed | not_run
    message: str = ""
    kind: str = ""
    file: str = ""
    line: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"rule": self.rule, "case": self.case, "status": self.status, "message": self.message}
        out.update({"kind": self.kind, "file": self.file, "line": self.line, "notes": self.notes})
        return out


@dataclass
class TestReport:
    __test__ = False

    rules: int = 0
    hunting: int = 0
    results: list[CaseResult] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    engine: str = "embedded"

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.count("failed") and not any(p.is_error for p in self.problems)


def collect(
    project: Project, selection: Iterable[Path] | None = None, require_cases: bool | None = None
) -> list[RuleTests]:
    """Each selected rule with its loaded tests file and rule-level problems."""
    require = project.config.require_cases if require_cases is None else require_cases
    chosen = [Path(p).resolve() for p in selection] if selection else None
    by_stem = {sibling_stem(p.resolve()): p for p in project.test_files}
    out: list[RuleTests] = []
    hunting_stems = {sibling_stem(h.path.resolve()): h for h in project.hunting}
    for rule in sorted(project.rules, key=lambda r: r.display):
        stem = sibling_stem(rule.path.resolve())
        tests_path = by_stem.get(stem)
        if chosen is not None and not _selected(chosen, rule.path.resolve(), tests_path):
            continue
        tests = load_test_file(tests_path, project.display(tests_path)) if tests_path else None
        rt = RuleTests(rule, rule.display, tests, list(tests.findings) if tests else [])
        if require:
            rt.problems.extend(coverage_problems(rt))
        out.append(rt)
    loaded = {sibling_stem(i.path.resolve()) for i in project.items()}
    broken = {
        sibling_stem(p.resolve()): p for p, kind in project.files.items() if kind in (FileKind.RULE, FileKind.HUNTING)
    }
    for stem, path in by_stem.items():
        if (
            stem in broken
            and stem not in loaded
            and (chosen is None or _selected(chosen, path.resolve(), broken[stem]))
        ):
            out.append(_not_loaded(project, broken[stem], path))
    for stem, path in by_stem.items():
        if stem in hunting_stems:
            item: HuntingQuery = hunting_stems[stem]
            if chosen is None or _selected(chosen, item.path.resolve(), path.resolve()):
                tests = load_test_file(path, project.display(path), hunting=True)
                out.append(RuleTests(item, item.display, tests, list(tests.findings)))
    return out


def _not_loaded(project: Project, rule_path: Path, tests_path: Path) -> RuleTests:
    """A tests file whose rule or hunting query failed to load: its cases cannot run, which must fail loudly."""
    shown = project.display(rule_path)
    errors = [f for f in project.findings if f.file == shown and f.is_error]
    first = f" ({errors[0].file}:{errors[0].line}: {errors[0].code} {errors[0].message})" if errors else ""
    what = "hunting query" if project.files.get(rule_path) is FileKind.HUNTING else "rule"
    message = f"the {what} {shown} is invalid, so these cases cannot run{first}; see `sentinel-dac validate`"
    return RuleTests(None, shown, None, [Finding(project.display(tests_path), 1, 1, "DAC514", message)])


def _selected(chosen: list[Path], *paths: Path | None) -> bool:
    return any(p is not None and (p == c or c in p.parents) for p in paths for c in chosen)


def coverage_problems(rt: RuleTests) -> list[Finding]:
    """`require_cases`: at least one positive and one negative case."""
    kinds = {c.kind for c in rt.cases}
    missing = [k for k in ("positive", "negative") if k not in kinds]
    if not missing:
        return []
    if rt.tests is None:
        stem = Path(rt.display).name.rsplit(".", 1)[0]
        message = (
            f"no test cases: add {stem}.tests.yaml beside the rule with at least one positive and one negative case"
        )
        return [Finding(rt.display, 1, 1, "DAC512", message)]
    if any(f.is_error for f in rt.tests.findings):
        return []  # the file's own errors explain why no cases were read
    return [Finding(rt.tests.display, 1, 1, "DAC512", f"no {' and no '.join(missing)} case (require_cases is on)")]


def run_case(
    project: Project, rt: RuleTests, case: TestCase, engine: Engine, cache: SampleCache | None = None
) -> CaseResult:
    """Run one case on `engine` and judge it."""
    assert rt.rule is not None
    started = time.perf_counter()
    result = CaseResult(rt.display, case.name, "failed", kind=case.kind, file=case.file, line=case.line)
    data: CaseData = build_case_data(project, case, cache or SampleCache(project))
    if data.findings:
        result.message = "bad samples:\n" + "\n".join(
            f"  {f.file}:{f.line}:{f.column}: {f.code} {f.message}" for f in data.findings
        )
        return _done(result, started)
    try:
        engine.load(data.dataset)
        if isinstance(rt.rule, HuntingQuery):
            run = simulate_hunt(rt.rule, engine, case.now, case.timespan)
        else:
            run = simulate_run(rt.rule, engine, case.now)
    except EngineUnavailable as exc:
        result.status, result.message = "not_run", f"not run: {exc.message}"
        return _done(result, started)
    except EngineError as exc:
        result.message = engine_error_message(project, rt.rule, exc)
        return _done(result, started)
    result.notes = [*data.outside_window(run.window), *run.notes]
    problems = check(case.expect, run)
    if case.kind == "negative" and (unseen := data.unseen_by_negative(run.window)):
        problems.insert(0, unseen)
    if problems:
        result.message = "\n".join(problems)
    else:
        result.status = "passed"
        result.message = f"{len(run.alerts)} alert(s) from {len(run.result.rows)} result row(s)"
    return _done(result, started)


def _done(result: CaseResult, started: float) -> CaseResult:
    result.seconds = time.perf_counter() - started
    return result


def engine_error_message(project: Project, rule: AnalyticsRule | HuntingQuery, exc: EngineError) -> str:
    """The engine's error at file:line — in the rule's query or in the parser it happened in."""
    where = rule.display
    if exc.function is not None:
        parser = next((p for p in project.parsers if exc.function in (p.function_alias, p.function_name)), None)
        if parser is not None and exc.offset is not None:
            pos = parser.query_pos(exc.offset)
            where = f"{parser.display}:{pos.line}:{pos.column} (parser {exc.function})"
        elif parser is not None:
            where = f"{parser.display} (parser {exc.function})"
    elif exc.offset is not None:
        pos = rule.query_pos(exc.offset)
        where = f"{rule.display}:{pos.line}:{pos.column}"
    else:
        where = f"{rule.display}:{rule.pos('query').line}"
    kind = "DAC521" if isinstance(exc, UnsupportedKql) else "DAC522"
    return f"{where}: {kind} {exc.message}"


def run_project(
    project: Project,
    selection: Iterable[Path] | None = None,
    engine_factory: Callable[[], Engine] | None = None,
    require_cases: bool | None = None,
    jobs: int | None = 1,
) -> TestReport:
    """Run every selected rule's cases; sample files nobody references are still checked.

    With `jobs` > 1 (None: every core the process may use) enough cases on the embedded engine run
    in worker processes (`testing/workers.py`; like any `multiprocessing` caller, a script doing
    this needs an `if __name__ == "__main__":` guard, and one read from standard input runs serially);
    results come back in the same order. A worker that dies raises `WorkerError`.
    """
    from ..engine.embedded import EmbeddedEngine

    rules = collect(project, selection, require_cases)
    report = TestReport(
        rules=sum(isinstance(rt.rule, AnalyticsRule) for rt in rules),
        hunting=sum(isinstance(rt.rule, HuntingQuery) for rt in rules),
    )
    for rt in rules:
        report.problems.extend(rt.problems)
    runnable = [rt for rt in rules if rt.rule is not None and rt.cases]
    cache = SampleCache(project)
    workers = 1 if engine_factory is not None else workers_for(jobs, sum(len(rt.cases) for rt in runnable))
    if workers > 1:
        per_rule, read = run_parallel(project, runnable, workers)
        report.results = [r for results in per_rule for r in results]
        cache.mark_read(read)
    else:
        engine = (engine_factory or EmbeddedEngine)()
        report.engine = engine.name
        try:
            for rt in runnable:
                report.results.extend(run_case(project, rt, case, engine, cache) for case in rt.cases)
        finally:
            engine.close()
    if selection is None:
        report.problems.extend(cache.check_unreferenced())
    return report
