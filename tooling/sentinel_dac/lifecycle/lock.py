"""The version lock: per rule id, where it lives, its version and the hash of its logic.

`sentinel-dac.lock.json` at the project root is committed with the content. It is *derived* data --
`sentinel-dac version lock` rewrites it from the content -- except for one thing content cannot
tell: ids that were used once. A rule deleted from the repository stays in the lock as `retired`,
and a deprecated rule keeps its `deprecated` date, so no later rule can take its id.

The file is JSON with one entry per id, sorted, so that two branches adding different rules merge
as separate hunks; a conflicted or stale lock is fixed by running `sentinel-dac version lock` again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from ..content.load import Project
from ..content.model import AnalyticsRule, ContentItem
from ..errors import SentinelDacError
from .logic import logic_hash

LOCK_NAME = "sentinel-dac.lock.json"
FORMAT = 1
ABOUT = (
    "Version lock of sentinel-dac: per rule id, its file, version and logic hash. "
    "Regenerate with `sentinel-dac version lock` (or `sentinel-dac version bump` after a logic change); "
    "do not edit by hand."
)


class LockError(SentinelDacError):
    """The lock file cannot be read (malformed JSON, wrong format)."""


@dataclass(frozen=True)
class Entry:
    id: str
    path: str
    type: str
    logic: str
    version: str | None = None
    deprecated: str | None = None
    """Date the rule was deprecated (from its .meta.yaml)."""
    retired: bool = False
    """The rule's file is gone from the repository; the id stays taken."""

    def to_json(self) -> dict[str, object]:
        out = asdict(self)
        del out["id"]
        return {k: v for k, v in out.items() if v not in (None, False)}


@dataclass
class Lock:
    entries: dict[str, Entry]
    path: Path
    exists: bool = True

    def render(self) -> str:
        body = {
            "about": ABOUT,
            "format": FORMAT,
            "rules": {i: self.entries[i].to_json() for i in sorted(self.entries)},
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    def line_of(self, rule_id: str) -> int:
        """Line of an id's entry in the file as written (1 when not there)."""
        if not self.exists:
            return 1
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError:
            return 1
        idx = text.find(f'"{rule_id}"')
        return 1 if idx < 0 else text.count("\n", 0, idx) + 1


def lock_path(project: Project) -> Path:
    return project.root / LOCK_NAME


def read_lock(path: Path, resolve_conflicts: bool = False) -> Lock:
    """The lock at `path`; an empty one (exists=False) when there is no file.

    With `resolve_conflicts` (what `version lock` does), a lock with git conflict markers is read as
    the union of both sides, so a merge that added rules on both branches is fixed by one command
    without losing either side's retired ids.
    """
    if not path.is_file():
        return Lock({}, path, exists=False)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LockError(f"{path.name}: cannot read: {exc}") from None
    if "\n<<<<<<< " in "\n" + text:
        if not resolve_conflicts:
            raise LockError(f"{path.name} has git merge conflict markers: run `sentinel-dac version lock` to resolve")
        ours, theirs = _conflict_sides(text)
        entries = {**_parse(theirs, path), **_parse(ours, path)}
        return Lock(entries, path)
    return Lock(_parse(text, path), path)


def _conflict_sides(text: str) -> tuple[str, str]:
    """Our and their text of a conflicted file (diff3 base sections dropped)."""
    ours: list[str] = []
    theirs: list[str] = []
    side = "both"
    for line in text.splitlines(keepends=True):
        if line.startswith("<<<<<<< "):
            side = "ours"
        elif line.startswith("||||||| ") and side == "ours":
            side = "base"
        elif line.rstrip("\n") == "=======" and side in ("ours", "base"):
            side = "theirs"
        elif line.startswith(">>>>>>> ") and side == "theirs":
            side = "both"
        else:
            if side in ("both", "ours"):
                ours.append(line)
            if side in ("both", "theirs"):
                theirs.append(line)
    return "".join(ours), "".join(theirs)


def _parse(text: str, path: Path) -> dict[str, Entry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockError(
            f"{path.name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}; restore it from git "
            "(`git checkout -- sentinel-dac.lock.json`) and run `sentinel-dac version lock`"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("rules"), dict):
        raise LockError(
            f"{path.name}: not a sentinel-dac lock (format {FORMAT}); delete it and run `sentinel-dac version lock`"
        )
    entries: dict[str, Entry] = {}
    for rule_id, raw in data["rules"].items():
        try:
            entries[rule_id] = Entry(id=rule_id, **raw)
        except TypeError as exc:
            raise LockError(
                f"{path.name}: entry {rule_id}: {exc}; delete it and run `sentinel-dac version lock`"
            ) from None
    return entries


def entry_of(item: ContentItem, project: Project) -> Entry:
    deprecation = item.meta.deprecated if item.meta else None
    return Entry(
        id=item.id,
        path=project.display(item.path),
        type="analytics-rule" if isinstance(item, AnalyticsRule) else "hunting-query",
        version=item.version,
        logic=logic_hash(item),
        deprecated=deprecation.date if deprecation else None,
    )


def current_entries(project: Project) -> dict[str, Entry]:
    """Entries for every rule and hunting query that loaded (first one wins on a duplicate id)."""
    out: dict[str, Entry] = {}
    for item in project.items():
        out.setdefault(item.id, entry_of(item, project))
    return out


def expected_lock(project: Project, previous: Lock) -> Lock:
    """The lock the content calls for: current entries, plus every earlier id kept as retired.

    An id whose file still exists but did not load (a schema error) keeps its previous entry: it is
    broken, not gone, and `validate` reports why.
    """
    entries = current_entries(project)
    for rule_id, old in previous.entries.items():
        if rule_id in entries:
            continue
        if old.retired or not (project.root / old.path).exists():
            entries[rule_id] = replace(old, retired=True)
        else:
            entries[rule_id] = old
    return Lock(entries, previous.path, exists=True)


def write_lock(lock: Lock) -> bool:
    """Write the lock if its text changed; True when the file was written."""
    text = lock.render()
    if lock.path.is_file() and lock.path.read_text(encoding="utf-8") == text:
        return False
    tmp = lock.path.with_name(lock.path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(lock.path)
    return True
