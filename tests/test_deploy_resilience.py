"""Apply under throttling, server errors and latency, and an apply killed half-way, then re-run."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from deploy_helpers import project_copy
from helpers import load
from sentinel_dac.deploy.workflow import Options, run_targets
from sentinel_dac.emulator import FaultConfig
from sentinel_dac.targets import load_targets


def _options(emu, **kw):
    opts = {"connection_verify": str(emu.ca_path), "polling_interval": 0, "retry_backoff_factor": 0.01}
    return Options(client_options=opts, run_doctor=False, **kw)


def _objects(emu, ws_name="law-prod"):
    """Stored objects of a workspace (the state watchlist apart) by collection."""
    out: dict[str, list] = {}
    for s in emu.state.store._items.values():
        if f"/workspaces/{ws_name}/" not in s.path and "/workbooks/" not in s.path.lower():
            continue
        if s.name == "SentinelDacState":
            continue
        out.setdefault(s.path.rsplit("/", 2)[-2].lower(), []).append(s)
    return out


def _state_items(emu, ws_name="law-prod"):
    for s in emu.state.store._items.values():
        if f"/workspaces/{ws_name}/" in s.path and s.name == "SentinelDacState":
            return s.extra["items"]
    return {}


def _converged(emu, root):
    emu.faults.reconfigure(FaultConfig())
    [run] = run_targets(load(root), [load_targets(root)["prod"]], "plan", _options(emu, health=False))
    assert run.ok and not run.plan.has_changes, run.to_dict()
    objects = _objects(emu)
    assert {k: len(v) for k, v in objects.items()} == {
        "alertrules": 2,
        "savedsearches": 2,
        "watchlists": 1,
        "workbooks": 1,
    }
    [watchlist] = objects["watchlists"]
    assert sorted(r["VaultName"] for r in watchlist.extra["items"].values()) == ["kv-prod-ai", "kv-prod-ml"]
    assert len(_state_items(emu)) == 6


def test_apply_converges_under_20_percent_throttling_and_errors(tmp_path, temu):
    root = project_copy(tmp_path)
    temu.faults.reconfigure(
        FaultConfig(error_rate=0.2, statuses=(429, 503), retry_after=0, latency_ms=(5, 30), seed=11)
    )
    [run] = run_targets(load(root), [load_targets(root)["prod"]], "apply", _options(temu, health=False))
    assert run.ok, run.to_dict()
    assert temu.faults.stats[429] + temu.faults.stats[503] >= 3  # faults did happen
    assert sorted(r.outcome for r in run.report.results) == ["created"] * 6
    _converged(temu, root)  # nothing lost, nothing duplicated


def test_retry_after_is_honoured(tmp_path, temu):
    root = project_copy(tmp_path)
    project, target = load(root), [load_targets(root)["prod"]]
    temu.faults.reconfigure(FaultConfig(error_rate=0.4, statuses=(429,), retry_after=1, seed=3))
    started = time.monotonic()
    [run] = run_targets(project, target, "plan", _options(temu, health=False))
    elapsed = time.monotonic() - started
    throttled = temu.faults.stats[429]
    assert run.ok and throttled >= 1
    assert elapsed >= throttled * 0.95  # each throttled read waited the second Retry-After asked for


def test_apply_killed_half_way_converges_when_run_again(tmp_path, temu):
    root = project_copy(tmp_path)
    temu.faults.reconfigure(FaultConfig(latency_ms=(120, 120)))
    env = {**os.environ, **temu.env()}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sentinel_dac",
            "--project",
            str(root),
            "apply",
            "--target",
            "prod",
            "--concurrency",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            written = sum(len(v) for v in _objects(temu).values())
            if written >= 2:
                break
            time.sleep(0.02)
    finally:
        proc.kill()
        out, err = proc.communicate()
    written = sum(len(v) for v in _objects(temu).values())
    assert 2 <= written < 6, (written, out.decode()[-2000:], err.decode()[-2000:])
    temu.faults.reconfigure(FaultConfig())
    [run] = run_targets(load(root), [load_targets(root)["prod"]], "apply", _options(temu, health=False))
    assert run.ok, run.to_dict()
    outcomes = sorted(r.outcome for r in run.report.results)
    assert outcomes.count("created") == 6 - written  # only what was missing is written
    _converged(temu, root)
