"""`version check` and `version bump`: a logic change must come with a higher version.

The *reference* is what the content is compared with: the committed lock, or -- with `--base REF` --
the lock the base commit's content calls for (its rules re-hashed, its retired ids kept). CI uses
`--base`, so a branch cannot hide an unbumped change by regenerating its own lock.

Rules (each a finding with the fix in its message):
- DAC800 logic hash differs from the reference and the version is not higher;
- DAC801 the version is lower than the reference's;
- DAC802 a file the reference knows under one id now carries another;
- DAC803 an id the reference knows as deprecated or retired now belongs to another file;
- DAC804 the lock file is not what the content calls for (new rules, bumped versions, moved files).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..config import load_config
from ..content.load import Project, load_project
from ..content.model import ContentItem
from ..findings import Finding
from .git import export_tree
from .lock import LOCK_NAME, Entry, Lock, entry_of, expected_lock, lock_path, read_lock, write_lock

Part = Literal["major", "minor", "patch"]
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass
class Reference:
    """What the content is checked against, and a name for messages (`the lock`, `base main`)."""

    entries: dict[str, Entry]
    label: str


def parse_version(text: str | None) -> tuple[int, int, int]:
    """X.Y.Z as a tuple; a missing or malformed version counts as 0.0.0 (validate reports DAC235)."""
    m = _VERSION.match(str(text or "").strip())
    return (int(m[1]), int(m[2]), int(m[3])) if m else (0, 0, 0)


def bumped(version: str | None, part: Part) -> str:
    major, minor, patch = parse_version(version)
    if version is None:
        return "1.0.0"
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def reference_from_lock(project: Project) -> Reference:
    return Reference(read_lock(lock_path(project)).entries, f"the lock ({LOCK_NAME})")


def reference_from_base(project: Project, ref: str) -> Reference:
    """The base commit's content, re-hashed by this version of the tool, plus its lock's retired ids."""
    with tempfile.TemporaryDirectory(prefix="sentinel-dac-base-") as tmp:
        commit = export_tree(project.root, ref, Path(tmp))
        base = load_project(load_config(Path(tmp)))
        entries = expected_lock(base, read_lock(lock_path(base))).entries
    return Reference(entries, f"base {ref} ({commit[:12]})")


@dataclass(frozen=True)
class Violation:
    """A rule whose version must go up, and the lowest version that would do."""

    item: ContentItem
    old: Entry


def check_against(project: Project, reference: Reference) -> tuple[list[Finding], list[Violation]]:
    """Findings DAC800-DAC803 of the content against the reference; the rules that need a bump."""
    findings: list[Finding] = []
    needs_bump: list[Violation] = []
    by_path = {e.path: e for e in reference.entries.values() if not e.retired}
    seen: set[str] = set()
    for item in project.items():
        if item.id in seen:
            continue  # a duplicate id: validate's DAC300
        seen.add(item.id)
        cur = entry_of(item, project)
        old = reference.entries.get(item.id)
        before = by_path.get(cur.path)
        if before is not None and before.id != cur.id:
            pos = item.pos("id")
            findings.append(
                Finding(
                    item.display,
                    pos.line,
                    pos.column,
                    "DAC802",
                    f"id changed from {before.id} ({reference.label}) to {cur.id}: an id names one rule for "
                    "its whole life (Sentinel keeps its alerts and incidents under it); put the old id back, "
                    "or deprecate this rule and create a new one with `sentinel-dac new rule`",
                )
            )
            continue
        if old is None:
            continue
        if old.path != cur.path and (old.retired or old.deprecated):
            pos = item.pos("id")
            what = f"deprecated on {old.deprecated}" if old.deprecated else "deleted"
            findings.append(
                Finding(
                    item.display,
                    pos.line,
                    pos.column,
                    "DAC803",
                    f"id {cur.id} belonged to {old.path} ({what}, {reference.label}); ids are never "
                    "reused -- give this rule a fresh GUID (`python -c 'import uuid; print(uuid.uuid4())'`)",
                )
            )
            continue
        findings.extend(_version_findings(item, cur, old, reference, needs_bump))
    return findings, needs_bump


def _version_findings(
    item: ContentItem, cur: Entry, old: Entry, reference: Reference, needs_bump: list[Violation]
) -> list[Finding]:
    pos = item.pos("version") if "version" in item.raw else item.pos("id")
    new_v, old_v = parse_version(cur.version), parse_version(old.version)
    if new_v < old_v:
        return [
            Finding(
                item.display,
                pos.line,
                pos.column,
                "DAC801",
                f"version went down from {old.version} ({reference.label}) to {cur.version}: versions only go "
                f"up; set it above {old.version}",
            )
        ]
    if cur.logic != old.logic and new_v <= old_v:
        needs_bump.append(Violation(item, old))
        return [
            Finding(
                item.display,
                pos.line,
                pos.column,
                "DAC800",
                f"logic changed since {reference.label} (query, schedule, trigger, entities or grouping) but the "
                f"version is still {cur.version or 'missing'}: run `sentinel-dac version bump` "
                "(patch; --part minor|major for bigger changes)",
            )
        ]
    return []


def stale_lock_findings(project: Project, flagged: set[str], has_unbumped: bool) -> list[Finding]:
    """DAC804 when the committed lock differs from what the content calls for, saying exactly what.

    Ids in `flagged` already have a finding of their own (with its fix), so they are left out here.
    """
    lock = read_lock(lock_path(project))
    want = expected_lock(project, lock)
    fix = "`sentinel-dac version bump`" if has_unbumped else "`sentinel-dac version lock`"
    if not lock.exists:
        return [Finding(LOCK_NAME, 0, 0, "DAC804", f"no version lock yet: run {fix} and commit {LOCK_NAME}")]
    changes = {i: c for i, c in describe_changes(lock.entries, want.entries).items() if i not in flagged}
    if not changes:
        return []
    first = next(iter(changes))
    shown = "; ".join(changes[i] for i in list(changes)[:5]) + (
        f"; and {len(changes) - 5} more" if len(changes) > 5 else ""
    )
    return [
        Finding(
            LOCK_NAME,
            lock.line_of(first),
            1,
            "DAC804",
            f"the lock does not match the content ({shown}): run {fix} and commit {LOCK_NAME}",
        )
    ]


def describe_changes(old: dict[str, Entry], new: dict[str, Entry]) -> dict[str, str]:
    """id -> what differs, for messages and `version lock`'s report."""
    out: dict[str, str] = {}
    for rule_id in sorted(old.keys() | new.keys()):
        a, b = old.get(rule_id), new.get(rule_id)
        if a == b:
            continue
        if a is None:
            out[rule_id] = f"new {b.path}"
        elif b is None:
            out[rule_id] = f"{a.path} missing from the lock's input"
        elif b.retired and not a.retired:
            out[rule_id] = f"{a.path} deleted (id kept as retired)"
        else:
            fields = [
                f for f in ("path", "version", "logic", "deprecated", "retired") if getattr(a, f) != getattr(b, f)
            ]
            out[rule_id] = f"{b.path}: {', '.join(fields)} changed"
    return out


@dataclass
class CheckResult:
    findings: list[Finding]
    reference: str
    rules_checked: int

    @property
    def ok(self) -> bool:
        return not any(f.is_error for f in self.findings)


def check_versions(project: Project, base: str | None = None) -> CheckResult:
    """What `sentinel-dac version check [--base REF]` reports."""
    reference = reference_from_base(project, base) if base else reference_from_lock(project)
    findings, needs_bump = check_against(project, reference)
    ids_by_file = {item.display: item.id for item in project.items()}
    flagged = {ids_by_file[f.file] for f in findings if f.file in ids_by_file}
    findings.extend(stale_lock_findings(project, flagged, bool(needs_bump)))
    findings.sort(key=lambda f: (f.file, f.line, f.column, f.code))
    return CheckResult(findings, reference.label, len(project.items()))


@dataclass(frozen=True)
class Bump:
    path: str
    rule_id: str
    old: str | None
    new: str


def bump_versions(project: Project, base: str | None = None, part: Part = "patch") -> list[Bump]:
    """Raise the version of every rule whose logic changed without one; files edited in place.

    Only the `version:` value is rewritten (comments and layout stay); a rule without a version
    gets `version: 1.0.0` appended. The new version is one step above the higher of the reference's
    and the file's.
    """
    reference = reference_from_base(project, base) if base else reference_from_lock(project)
    _, needs_bump = check_against(project, reference)
    done: list[Bump] = []
    for v in needs_bump:
        start = max(parse_version(v.item.version), parse_version(v.old.version))
        new = bumped(".".join(map(str, start)) if v.old.version or v.item.version else None, part)
        _set_version(v.item, new)
        done.append(Bump(project.display(v.item.path), v.item.id, v.item.version, new))
    return done


def _set_version(item: ContentItem, version: str) -> None:
    doc = item.source
    text = doc.text
    info = doc.nodes.get(("version",))
    if info is not None:
        text = text[: info.start_index] + version + text[info.end_index :]
    else:
        text = text + ("" if text.endswith("\n") else "\n") + f"version: {version}\n"
    item.path.write_text(text, encoding="utf-8")


def relock(project: Project) -> tuple[Lock, dict[str, str], bool]:
    """Rewrite the lock from the content: (lock, what changed per id, written?)."""
    old = read_lock(lock_path(project), resolve_conflicts=True)
    new = expected_lock(project, old)
    return new, describe_changes(old.entries, new.entries), write_lock(new)


def unbumped(project: Project) -> list[Finding]:
    """DAC800/801 against the committed lock: what `version lock` refuses to paper over."""
    lock = read_lock(lock_path(project), resolve_conflicts=True)
    findings, _ = check_against(project, Reference(lock.entries, f"the lock ({LOCK_NAME})"))
    return [f for f in findings if f.code in ("DAC800", "DAC801")]
