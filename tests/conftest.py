"""pytest fixtures for the tooling tests; helper functions are in helpers.py.

Tests build small projects in tmp_path, so each test states the content it
needs; none reads ../shared or the network.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def make_project(tmp_path: Path):
    """Create a project in tmp_path: `files` maps relative paths to text or bytes."""

    def make(files: dict[str, str | bytes], config: str | None = None) -> Path:
        (tmp_path / "sentinel-dac.yaml").write_text(config or "require_cases: true\n")
        for rel, content in files.items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        return tmp_path

    return make


@pytest.fixture
def valid_rule_text() -> str:
    from helpers import VALID_RULE

    return VALID_RULE.read_text()


@pytest.fixture(scope="session")
def emulator_server(tmp_path_factory):
    """One emulator for the session (HTTPS on 127.0.0.1, a throw-away CA); `emu` resets it per test."""
    from helpers import EMULATOR_WORKSPACES
    from sentinel_dac.emulator import Emulator, load_workspaces

    emu = Emulator(load_workspaces(EMULATOR_WORKSPACES), cert_dir=tmp_path_factory.mktemp("emulator-ca"))
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator_server):
    """The session emulator, emptied, with default settings and no faults."""
    from sentinel_dac.emulator import FaultConfig, Settings

    emulator_server.state.store.clear()
    emulator_server.state.settings = Settings()
    emulator_server.faults.reconfigure(FaultConfig())
    emulator_server.faults.stats.clear()
    emulator_server.requests.clear()
    return emulator_server


@pytest.fixture
def clients(emu):
    """Real Azure SDK clients (one per chosen API version) talking HTTPS to the emulator."""
    from sentinel_dac.deploy.clients import make_clients

    return make_clients(
        emu.credential(),
        emu.state.workspaces[0].ref.subscription_id,
        base_url=emu.base_url,
        polling_interval=0,
        connection_verify=str(emu.ca_path),
        retry_total=0,
    )


@pytest.fixture
def engine():
    """An embedded engine, closed after the test."""
    from sentinel_dac.engine.embedded import EmbeddedEngine

    e = EmbeddedEngine()
    yield e
    e.close()


@pytest.fixture(scope="session")
def targets_emulator_server(tmp_path_factory):
    """An emulator with the deploy targets' workspaces: two in one tenant, one in another."""
    from helpers import TARGETS_EMULATOR
    from sentinel_dac.emulator import Emulator, load_workspaces

    emu = Emulator(load_workspaces(TARGETS_EMULATOR), cert_dir=tmp_path_factory.mktemp("targets-ca"))
    emu.start()
    yield emu
    emu.stop()


@pytest.fixture
def temu(targets_emulator_server, monkeypatch):
    """The targets emulator, emptied, no faults, and the environment pointing azure-identity and the CLI at it."""
    from sentinel_dac.emulator import FaultConfig, Settings

    emu = targets_emulator_server
    emu.state.store.clear()
    emu.state.settings = Settings(lro_polls=0)
    emu.faults.reconfigure(FaultConfig())
    emu.faults.stats.clear()
    emu.requests.clear()
    for key, value in emu.env().items():
        monkeypatch.setenv(key, value)
    return emu
