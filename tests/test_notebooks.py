"""Every investigation notebook runs (nbclient, a real kernel) on the recorded samples — and against the
emulator through a target — and draws its figures; a failing cell fails the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import REPO_ROOT
from sentinel_dac.hunt.notebooks import NotebookFailed, inject_parameters, load_notebook, run_notebook

NOTEBOOKS = REPO_ROOT / "hunting" / "notebooks"
EXPECTED_FIGURES = {"openai_investigation.py": 3, "keyvault_investigation.py": 1}
SAMPLES_WINDOW = "2024-05-01T00:00:00Z/2024-05-03T00:00:00Z"


def test_every_notebook_has_an_expectation():
    found = {p.name for p in NOTEBOOKS.glob("*.py")}
    assert found == set(EXPECTED_FIGURES)


@pytest.mark.parametrize("name", sorted(EXPECTED_FIGURES))
def test_notebook_runs_on_recorded_samples_and_draws_its_figures(name, tmp_path):
    run = run_notebook(
        NOTEBOOKS / name,
        {"project_root": str(REPO_ROOT), "target": None, "timespan": SAMPLES_WINDOW},
        out=tmp_path / name.replace(".py", ".ipynb"),
    )
    assert run.figures == EXPECTED_FIGURES[name]
    assert (tmp_path / name.replace(".py", ".ipynb")).is_file()
    text = "\n".join(o.get("text", "") for c in run.notebook.cells for o in c.get("outputs", []))
    assert "recorded sample file(s) on the embedded engine" in text


def test_the_openai_notebook_shows_the_bursting_subscription_and_the_uploader(tmp_path):
    run = run_notebook(
        NOTEBOOKS / "openai_investigation.py", {"project_root": str(REPO_ROOT), "timespan": SAMPLES_WINDOW}
    )
    text = "\n".join(o.get("text", "") for c in run.notebook.cells for o in c.get("outputs", []))
    egress = text[text.index("SourceUserName") :]
    assert egress.splitlines()[2].startswith("user-04@")  # the uploader tops the egress table


def test_a_notebook_runs_against_the_emulator_through_a_target(tmp_path, monkeypatch):
    """The same notebook, `target` set: every query goes through LogsQueryClient to the emulator over HTTPS."""
    import shutil

    from sentinel_dac.emulator import Emulator, load_workspaces

    samples = NOTEBOOKS / "samples"
    (tmp_path / "ws.yaml").write_text(
        "workspaces:\n"
        "  - name: law-hunt\n"
        "    subscription: 11111111-1111-4111-8111-111111111111\n"
        "    resourceGroup: rg-test\n"
        "    customerId: 22222222-2222-4222-8222-222222222222\n"
        "    tables: {AZKVAuditLogs: {}}\n"
        f"    samples: {{AZKVAuditLogs: {samples / 'vault.AZKVAuditLogs.jsonl'}}}\n"
    )
    project = tmp_path / "project"
    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "hunt" / "project", project)
    shutil.rmtree(project / "hunting")  # its hunting queries read tables this workspace lacks
    with Emulator(load_workspaces(tmp_path / "ws.yaml"), cert_dir=tmp_path / "ca") as emu:
        for key, value in emu.env().items():
            monkeypatch.setenv(key, value)
        run = run_notebook(
            NOTEBOOKS / "keyvault_investigation.py",
            {"project_root": str(project), "target": "emu", "timespan": SAMPLES_WINDOW},
        )
        queries = [r for r in emu.requests if r.path.endswith("/query")]
    assert run.figures == 1 and len(queries) == 2
    text = "\n".join(o.get("text", "") for c in run.notebook.cells for o in c.get("outputs", []))
    assert "data: target emu (law-test)" in text and "user-03@dom-a1b2c3d4.example" in text


def test_parameters_are_injected_after_the_parameters_cell():
    nb = load_notebook(NOTEBOOKS / "keyvault_investigation.py")
    inject_parameters(nb, {"target": "prod", "samples": ["a/*.jsonl"]})
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nb.cells[index + 1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert "target = 'prod'" in injected.source and "samples = ['a/*.jsonl']" in injected.source


def test_a_failing_cell_fails_the_run(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nraise ValueError(f"boom {x}")\n')
    with pytest.raises(NotebookFailed, match="boom 2"):
        run_notebook(broken, {"x": 2})
    assert Path(broken).exists()
