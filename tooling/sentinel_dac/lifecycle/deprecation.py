"""Deprecation: a deprecated rule stays in the repository, and its id is never given to another.

A rule is deprecated by its `<rule>.meta.yaml` (`deprecated: {date, reason}`); the lock records the
date, and keeps the id (as `retired`) even after the file is deleted. `validate` calls
`reused_ids` so a new rule taking such an id fails where it is written, not only in `version check`.
Deploy turns a deprecated rule off (`deploy.rules.rule_object` sends `enabled: false`).
"""

from __future__ import annotations

from ..content.load import Project
from ..findings import Finding
from .lock import LOCK_NAME, LockError, lock_path, read_lock


def reused_ids(project: Project) -> list[Finding]:
    """DAC803 for every rule whose id the lock knows as deprecated or retired under another file.

    A lock that cannot be read is `version check`'s to report; validation goes on without it.
    """
    from .versions import Reference, check_against

    try:
        lock = read_lock(lock_path(project), resolve_conflicts=True)
    except LockError:
        return []
    findings, _ = check_against(project, Reference(lock.entries, f"the lock ({LOCK_NAME})"))
    return [f for f in findings if f.code == "DAC803"]
