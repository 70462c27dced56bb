"""`sentinel-dac diff --base REF`: what a merge changes, as a PR comment (markdown) or JSON.

Content is compared by id between the base commit (`git archive`, see `lifecycle.git`) and the
working tree: new, changed (logic or only metadata), deprecated and removed rules and hunting
queries, each changed query as a unified diff, the version check's verdict and -- for new and
changed rules -- their test results (the same `testing.run_project` as `sentinel-dac test`).

A rule's behaviour also changes when a parser it calls (directly or through another parser) or a
watchlist it reads changes, although its own file does not: parsers (by FunctionAlias) and watchlists
(by alias) are compared too, and every rule or hunting query that uses a changed one is listed as
*affected*, with what it goes through, and its cases run like a changed rule's.

The deploy plan is not computed here. `build_diff` takes a `plan` hook: a function given the
head project that returns a `PlanSection` (markdown + JSON data) or None. `cli/diff_cmd.py`
passes the hook when targets are reachable (issue 11's `plan` plugs in there), so the PR comment
gets a "Deploy plan" section without this module knowing about Azure.
"""

from __future__ import annotations

import difflib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import load_config
from ..content.dependencies import dependencies
from ..content.load import Project, load_project
from ..content.model import AnalyticsRule, ContentItem, Parser, Watchlist
from ..findings import Finding
from .git import export_tree
from .lock import expected_lock, lock_path, read_lock
from .logic import logic_hash
from .versions import Reference, check_against


@dataclass
class PlanSection:
    """What a plan hook contributes: markdown for the comment, data for --format json."""

    markdown: str
    data: dict[str, Any] = field(default_factory=dict)


PlanHook = Callable[[Project], "PlanSection | None"]


@dataclass
class TestSummary:
    passed: int = 0
    failed: int = 0
    not_run: int = 0
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "failed": self.failed, "not_run": self.not_run, "failures": self.failures}


@dataclass
class ItemChange:
    status: str  # new | changed | deprecated | removed | metadata | affected
    id: str
    name: str
    path: str
    type: str
    old_version: str | None = None
    new_version: str | None = None
    query_diff: str = ""
    fields: list[str] = field(default_factory=list)
    deprecation: str | None = None
    tests: TestSummary | None = None
    via: list[str] = field(default_factory=list)
    """For `affected`: the changed parsers and watchlists it uses (`parser KeyVaultAudit`)."""

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "tests"}
        out["tests"] = self.tests.to_dict() if self.tests else None
        return out


@dataclass
class DependencyChange:
    """A parser or watchlist that is new, changed or removed."""

    kind: str  # parser | watchlist
    name: str
    path: str
    status: str  # new | changed | removed
    query_diff: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DiffReport:
    base: str
    commit: str
    changes: list[ItemChange]
    version_findings: list[Finding]
    plan: PlanSection | None = None
    problems: list[Finding] = field(default_factory=list)
    """Load errors in the head content (the comment says the diff may be incomplete)."""
    dependencies: list[DependencyChange] = field(default_factory=list)

    def of(self, status: str) -> list[ItemChange]:
        return [c for c in self.changes if c.status == status]

    @property
    def ok(self) -> bool:
        tests_failed = any(c.tests and c.tests.failed for c in self.changes)
        return not tests_failed and not any(f.is_error for f in self.version_findings)


def build_diff(project: Project, base: str, run_tests: bool = True, plan: PlanHook | None = None) -> DiffReport:
    """Compare `project` (the working tree) with the same project at git ref `base`."""
    with tempfile.TemporaryDirectory(prefix="sentinel-dac-base-") as tmp:
        commit = export_tree(project.root, base, Path(tmp))
        base_project = load_project(load_config(Path(tmp)))
        changes = compare(base_project, project)
        changed_dependencies = compare_dependencies(base_project, project)
        changes += affected(project, changes, changed_dependencies)
        reference = Reference(
            expected_lock(base_project, read_lock(lock_path(base_project), resolve_conflicts=True)).entries,
            f"base {base}",
        )
    version_findings, _ = check_against(project, reference)
    if run_tests:
        attach_tests(project, changes)
    return DiffReport(
        base=base,
        commit=commit,
        changes=changes,
        version_findings=version_findings,
        plan=plan(project) if plan else None,
        problems=[f for f in project.findings if f.is_error],
        dependencies=changed_dependencies,
    )


def compare(base: Project, head: Project) -> list[ItemChange]:
    """Changes by id, in a stable order (status, then path)."""
    old = {i.id: i for i in base.items()}
    new = {i.id: i for i in head.items()}
    out: list[ItemChange] = []
    for rule_id, item in new.items():
        before = old.get(rule_id)
        change = _change(before, item, head)
        if change is not None:
            out.append(change)
    for rule_id, item in old.items():
        if rule_id not in new:
            out.append(_base_change("removed", item, base))
    order = {"new": 0, "changed": 1, "deprecated": 2, "metadata": 3, "removed": 4}
    out.sort(key=lambda c: (order[c.status], c.path))
    return out


def compare_dependencies(base: Project, head: Project) -> list[DependencyChange]:
    """Parsers (by FunctionAlias) and watchlists (by alias) that are new, changed or removed."""
    parsers = _compare_by_name(
        "parser", base, head, {p.function_alias.lower(): p for p in base.parsers},
        {p.function_alias.lower(): p for p in head.parsers}, _parser_logic,
    )  # fmt: skip
    watchlists = _compare_by_name(
        "watchlist", base, head, {w.alias.lower(): w for w in base.watchlists},
        {w.alias.lower(): w for w in head.watchlists}, _watchlist_data,
    )  # fmt: skip
    return parsers + watchlists


def _compare_by_name(kind: str, base: Project, head: Project, old: dict, new: dict, logic) -> list[DependencyChange]:
    out: list[DependencyChange] = []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None and logic(before) == logic(after):
            continue
        shown, project = (after, head) if after is not None else (before, base)
        name = shown.function_alias if kind == "parser" else shown.alias
        change = DependencyChange(kind, name, project.display(shown.source.path), _status(before, after))
        if kind == "parser" and before is not None and after is not None and before.query != after.query:
            change.query_diff = query_diff(before.query, after.query, change.path)
        out.append(change)
    return out


def _status(before: object, after: object) -> str:
    return "new" if before is None else "removed" if after is None else "changed"


def _parser_logic(parser: Parser) -> tuple:
    return parser.function_name, parser.query.strip(), parser.params


def _watchlist_data(watchlist: Watchlist) -> tuple:
    """What a query reading the watchlist sees: its search key, columns and items."""
    return watchlist.search_key, watchlist.columns, tuple(tuple(sorted(r.items())) for r in watchlist.rows)


def affected(head: Project, changes: list[ItemChange], deps: list[DependencyChange]) -> list[ItemChange]:
    """Rules and hunting queries not otherwise changed that use a changed parser or watchlist."""
    if not deps:
        return []
    listed = {c.id for c in changes if c.status != "removed"}
    parsers = {d.name.lower(): d for d in deps if d.kind == "parser"}
    lists = {d.name.lower(): d for d in deps if d.kind == "watchlist"}
    out: list[ItemChange] = []
    for item in sorted(head.items(), key=lambda i: head.display(i.path)):
        if item.id in listed:
            continue
        uses = dependencies(head, [item.query])
        via = [parsers[p].label for p in sorted(uses.parsers) if p in parsers]
        via += [lists[w].label for w in sorted(uses.watchlists) if w in lists]
        if via:
            change = _base_change("affected", item, head)
            change.via = via
            out.append(change)
    return out


def _change(before: ContentItem | None, item: ContentItem, head: Project) -> ItemChange | None:
    dep = item.meta.deprecated if item.meta else None
    if before is None:
        return _base_change("new", item, head)
    was_deprecated = bool(before.meta and before.meta.deprecated)
    fields = sorted(k for k in item.raw.keys() | before.raw.keys() if item.raw.get(k) != before.raw.get(k))
    if dep and not was_deprecated:
        status = "deprecated"
    elif logic_hash(item) != logic_hash(before):
        status = "changed"
    elif fields or head.display(item.path) != before.display:
        status = "metadata"
    else:
        return None
    change = _base_change(status, item, head)
    change.old_version = before.version
    change.fields = fields
    if before.query != item.query:
        change.query_diff = query_diff(before.query, item.query, change.path)
    if dep:
        change.deprecation = f"{dep.date}: {dep.reason}"
    return change


def _base_change(status: str, item: ContentItem, project: Project) -> ItemChange:
    return ItemChange(
        status=status,
        id=item.id,
        name=item.name,
        path=project.display(item.path),
        type="analytics-rule" if isinstance(item, AnalyticsRule) else "hunting-query",
        new_version=item.version if status != "removed" else None,
        old_version=item.version if status == "removed" else None,
    )


def query_diff(old: str, new: str, path: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), fromfile=f"a/{path}", tofile=f"b/{path}", lineterm="", n=2
    )
    return "\n".join(lines)


def attach_tests(project: Project, changes: list[ItemChange]) -> None:
    """Run the cases of new, changed and affected rules (and hunting queries with cases); a summary each."""
    from ..testing import run_project

    wanted = {c.path: c for c in changes if c.status in ("new", "changed", "affected")}
    if not wanted:
        return
    paths = [project.root / p for p in wanted]
    report = run_project(project, selection=paths, require_cases=False)
    with_cases = {r.rule for r in report.results}
    for change in wanted.values():
        if change.type == "analytics-rule" or change.path in with_cases:
            change.tests = TestSummary()
    for r in report.results:
        change = wanted.get(r.rule)
        if change is None or change.tests is None:
            continue
        summary = change.tests
        if r.status == "passed":
            summary.passed += 1
        elif r.status == "failed":
            summary.failed += 1
            summary.failures.append(r.case)
        else:
            summary.not_run += 1


# --- rendering ------------------------------------------------------------------

_TITLES = {
    "new": "New",
    "changed": "Changed logic",
    "affected": "Affected through a changed parser or watchlist",
    "deprecated": "Deprecated",
    "metadata": "Metadata only",
    "removed": "Removed",
}


COMMENT_LIMIT = 60_000
"""GitHub refuses comments over 65,536 characters; past this the KQL diffs are left out."""


def render_markdown(report: DiffReport) -> str:
    text = _markdown(report, with_diffs=True)
    if len(text) <= COMMENT_LIMIT:
        return text
    note = "\n_KQL diffs left out: the comment would exceed GitHub's size limit (see `--format json`)._\n"
    return _markdown(report, with_diffs=False) + note


def _markdown(report: DiffReport, with_diffs: bool) -> str:
    lines = [f"## sentinel-dac: changes against `{report.base}` ({report.commit[:12]})", ""]
    if not report.changes and not report.dependencies:
        lines.append("No rule or hunting query changes.")
    else:
        lines += ["| change | count |", "|---|---|"]
        lines += [f"| {_TITLES[s]} | {len(report.of(s))} |" for s in _TITLES if report.of(s)]
    for status, title in _TITLES.items():
        group = report.of(status)
        if not group:
            continue
        lines += ["", f"### {title}", ""]
        for c in group:
            lines += _render_change(c, with_diffs)
    if report.dependencies:
        lines += ["", "### Parsers and watchlists", ""]
        for d in report.dependencies:
            lines.append(f"- {d.status} {d.kind} **{_md(d.name)}** (`{d.path}`)")
            if d.query_diff and with_diffs:
                fence = "````" if "```" in d.query_diff else "```"
                lines += ["  <details><summary>KQL diff</summary>", "", f"  {fence}diff"]
                lines += [f"  {line}" for line in d.query_diff.splitlines()]
                lines += [f"  {fence}", "  </details>"]
    lines += ["", "### Version check", ""]
    if report.version_findings:
        lines += [f"- :x: `{f.location}` {f.code} {f.message}" for f in report.version_findings]
    else:
        lines.append("Versions and ids are consistent with the base.")
    if report.problems:
        lines += ["", "### Content that did not load (the diff may be incomplete)", ""]
        lines += [f"- `{f.location}` {f.code} {f.message}" for f in report.problems[:20]]
    if report.plan is not None:
        lines += ["", "### Deploy plan", "", report.plan.markdown.rstrip()]
    return "\n".join(lines) + "\n"


def _render_change(c: ItemChange, with_diffs: bool = True) -> list[str]:
    version = ""
    if c.status in ("changed", "metadata", "deprecated") and c.old_version != c.new_version:
        version = f" — version {c.old_version} → {c.new_version}"
    elif c.new_version:
        version = f" — version {c.new_version}"
    lines = [f"- **{_md(c.name)}** (`{c.path}`, {c.type}){version}"]
    if c.deprecation:
        lines.append(f"  - deprecated {_md(c.deprecation)}")
    if c.via:
        lines.append(f"  - through {', '.join(_md(v) for v in c.via)}")
    if c.status in ("changed", "metadata") and c.fields:
        lines.append(f"  - fields: {', '.join(f'`{f}`' for f in c.fields)}")
    if c.tests is not None:
        t = c.tests
        mark = ":x:" if t.failed else (":white_check_mark:" if t.passed else ":warning:")
        text = f"  - tests {mark} {t.passed} passed, {t.failed} failed, {t.not_run} not run"
        if t.failures:
            text += " (failed: " + ", ".join(_md(f) for f in t.failures) + ")"
        lines.append(text)
    if c.query_diff and with_diffs:
        fence = "````" if "```" in c.query_diff else "```"
        lines += ["  <details><summary>KQL diff</summary>", "", f"  {fence}diff"]
        lines += [f"  {line}" for line in c.query_diff.splitlines()]
        lines += [f"  {fence}", "  </details>"]
    return lines


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_json(report: DiffReport) -> dict[str, Any]:
    return {
        "base": report.base,
        "commit": report.commit,
        "ok": report.ok,
        "changes": [c.to_dict() for c in report.changes],
        "dependencies": [d.to_dict() for d in report.dependencies],
        "version_check": [f.to_dict() for f in report.version_findings],
        "problems": [f.to_dict() for f in report.problems],
        "plan": None if report.plan is None else report.plan.data,
    }
