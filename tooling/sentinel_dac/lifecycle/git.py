"""The few git operations `--base REF` needs, through the `git` command itself.

The project may sit in a sub-folder of its repository, so the base's files are taken from the same
sub-folder of REF. Every failure (git missing, not a repository, unknown ref) is a `GitError` whose
message names the folder or ref and what to do -- never a traceback.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from pathlib import Path

from ..errors import SentinelDacError


class GitError(SentinelDacError):
    """A git operation for `--base` failed (git missing, not a repository, unknown ref)."""


def _git(root: Path, *args: str) -> bytes:
    if shutil.which("git") is None:
        raise GitError("git is not installed (needed for --base); install git or omit --base")
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()
        if "not a git repository" in err:
            raise GitError(f"{root} is not inside a git repository (needed for --base)")
        raise GitError(f"git {' '.join(args)} failed: {err.splitlines()[-1] if err else proc.returncode}")
    return proc.stdout


def repo_prefix(root: Path) -> str:
    """The project's folder inside its repository (`""` at the top, else `sub/dir/`)."""
    return _git(root, "rev-parse", "--show-prefix").decode().strip()


def resolve_ref(root: Path, ref: str) -> str:
    """The commit id `ref` names; GitError when it names none."""
    repo_prefix(root)  # a clear "not a repository" first
    proc = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GitError(f"unknown git ref '{ref}' (fetch it first, e.g. `git fetch origin {ref}`)")
    return proc.stdout.decode().strip()


def export_tree(root: Path, ref: str, dest: Path) -> str:
    """Write the project's files as they are at `ref` into `dest`; return the commit id.

    `git archive` of `<commit>:<prefix>` gives exactly the committed files of the project folder
    (no working-tree changes, no untracked files).
    """
    commit = resolve_ref(root, ref)
    prefix = repo_prefix(root)
    dest.mkdir(parents=True, exist_ok=True)
    tree = f"{commit}:{prefix}" if prefix else commit
    if prefix and not _exists(root, tree):
        return commit  # the project folder is new since `ref`: its base is empty
    top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    data = _git(top, "archive", "--format=tar", tree)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return commit


def _exists(root: Path, tree: str) -> bool:
    proc = subprocess.run(["git", "-C", str(root), "cat-file", "-e", tree], capture_output=True, check=False)
    return proc.returncode == 0
