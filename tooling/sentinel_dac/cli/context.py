"""What every command gets from the root group: the project, loaded once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ProjectConfig
from ..content.load import Project, load_project


@dataclass
class AppContext:
    debug: bool
    root: Path | None
    _loader: Callable[[], ProjectConfig]
    _config: ProjectConfig | None = field(default=None, init=False)

    @property
    def config(self) -> ProjectConfig:
        if self._config is None:
            self._config = self._loader()
        return self._config

    def project(self, extra_paths: Iterable[Path] = ()) -> Project:
        return load_project(self.config, extra_paths)
