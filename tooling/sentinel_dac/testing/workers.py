"""Run test cases in worker processes: the content suite on every core.

A case's cost is almost all single-threaded Python and DuckDB planning (the
SQL duckdb-kql writes for a rule is large; executing it on a few hundred
sample rows is not), so threads would not help and processes do. Each worker
gets the loaded project once (pickled), keeps its own embedded engine and
sample cache for every rule it is given, and runs whole rules so a rule's
cases share one translation. Rules are handed out longest first (by case
count) and the results put back in the rules' order, so a report reads the
same however many workers ran it.

Only the embedded engine runs here: another engine (ADX) is serial, as is a
run too small to pay for starting processes.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..content.load import Project
from ..errors import SentinelDacError
from .data import SampleCache

if TYPE_CHECKING:
    from .runner import CaseResult, RuleTests

MIN_PARALLEL_CASES = 24
"""Fewer cases than this run in-process: starting a worker (imports, the project) costs about half a second."""

_WORKER: dict[str, Any] = {}


def default_jobs() -> int:
    """The cores this process may use (the affinity mask, not the machine's count, inside containers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class WorkerError(SentinelDacError):
    """A worker process died (killed, out of memory): its cases have no result."""


def workers_for(jobs: int | None, cases: int) -> int:
    """How many processes to use: 1 (in-process) unless there are enough cases to share."""
    wanted = default_jobs() if jobs is None else jobs
    if wanted <= 1 or cases < MIN_PARALLEL_CASES or not _spawn_can_start():
        return 1
    return min(wanted, cases)


def _spawn_can_start() -> bool:
    """False when `__main__` names a file a spawned child cannot re-import (`python - < script`).

    A spawned worker first runs the parent's main file again (guarded by `if __name__ ==
    "__main__"`); a script read from standard input has the name `<stdin>`, no such file
    exists, and every worker would die on start. Such callers run serially instead.
    """
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or Path(main_file).exists()


def run_parallel(project: Project, rules: list[RuleTests], workers: int) -> tuple[list[list[CaseResult]], set[Path]]:
    """Each rule's case results (in `rules` order) and the sample files the workers read."""
    order = sorted(range(len(rules)), key=lambda i: -len(rules[i].cases))
    results: list[list[CaseResult]] = [[] for _ in rules]
    read: set[Path] = set()
    context = multiprocessing.get_context("spawn")  # fork would copy a parent's DuckDB threads and locks
    try:
        with ProcessPoolExecutor(workers, context, initializer=_start, initargs=(pickle.dumps(project),)) as pool:
            futures = {i: pool.submit(_run_rule, rules[i]) for i in order}
            for i, future in futures.items():
                results[i], paths = future.result()
                read |= paths
    except BrokenProcessPool as exc:
        raise WorkerError(
            f"a test worker process stopped before reporting ({exc}); it may have run out of memory or been "
            "killed: run again with --jobs 1 to run every case in this process"
        ) from exc
    return results, read


def _start(project: bytes) -> None:
    from ..engine.embedded import EmbeddedEngine

    loaded: Project = pickle.loads(project)
    _WORKER["project"] = loaded
    _WORKER["cache"] = SampleCache(loaded)
    _WORKER["engine"] = EmbeddedEngine(threads=1)  # one core per worker: the workers are the parallelism


def _run_rule(rt: RuleTests) -> tuple[list[CaseResult], set[Path]]:
    from .runner import run_case

    project, cache, engine = _WORKER["project"], _WORKER["cache"], _WORKER["engine"]
    results = [run_case(project, rt, case, engine, cache) for case in rt.cases]
    return results, cache.read_paths
