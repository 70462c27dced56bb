"""A local Azure for sentinel-dac: ARM endpoints for our object kinds, a token endpoint and the
Log Analytics query API, over HTTPS on 127.0.0.1.

It is the deploy workflow's test double and a feature (`sentinel-dac emulate`): try deploy,
hunting and notebooks with no Azure. Every request body is checked against Microsoft's OpenAPI
specs (`openapi.py`) and our own content limits (`constraints.py`), and a rule's query is
compiled against the emulated workspace (`compile.py`), answering 400 the way ARM does.

    from sentinel_dac.emulator import Emulator, load_workspaces
    with Emulator(load_workspaces(path)) as emu:
        credential = emu.credential()
        ...  # SDK clients with base_url=emu.base_url, connection_verify=str(emu.ca_path)
"""

from .faults import FaultConfig
from .server import Emulator
from .state import Settings
from .workspace import EmulatedWorkspace, TableInfo, default_workspace, load_workspaces

__all__ = [
    "EmulatedWorkspace",
    "Emulator",
    "FaultConfig",
    "Settings",
    "TableInfo",
    "default_workspace",
    "load_workspaces",
]
