"""Project configuration: where content lives and project-wide settings.

One file, `sentinel-dac.yaml` at the repository root, names the content
folders (Elastic's `_config.yaml` idea), so the tool works on any repository
laid out differently. It is read once by the CLI and passed down, never at
import time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from .errors import ConfigError

CONFIG_NAME = "sentinel-dac.yaml"

DEFAULT_PATHS = {
    "detections": "detections",
    "hunting": "hunting",
    "parsers": "parsers",
    "watchlists": "watchlists",
    "workbooks": "workbooks",
    "tables": "tables",
}


@dataclass(frozen=True)
class BacktestConfig:
    """`backtest:` in sentinel-dac.yaml: the project's standing backtest (paths resolved against the root)."""

    data: Path
    expect: Path | None = None
    report: Path | None = None
    generate: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    paths: dict[str, Path] = field(default_factory=dict)
    require_cases: bool = True
    config_file: Path | None = None
    ingestion_delay: dict[str, timedelta] = field(default_factory=dict)
    """Per-table delay between TimeGenerated and ingestion for sample rows (`default` for all others)."""
    backtest: BacktestConfig | None = None
    deprecated_rules: str = "disable"
    """What deploy does with a deprecated rule: `disable` it (kept, enabled false) or `remove` it."""
    external_data: dict[str, Path] = field(default_factory=dict)
    """`externaldata:` URL -> the project's recorded copy, read by the embedded engine instead of the web."""

    def content_dir(self, name: str) -> Path:
        return self.paths[name]


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding sentinel-dac.yaml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def load_config(root: Path | None) -> ProjectConfig:
    """Read `root/sentinel-dac.yaml`; without one, the defaults (under the cwd if no root)."""
    root = (root or Path.cwd()).resolve()
    if not (root / CONFIG_NAME).is_file():
        return ProjectConfig(root=root, paths={k: root / v for k, v in DEFAULT_PATHS.items()})
    from .content.yamlsrc import YamlLoadError, load_yaml
    from .schemas.check import check_schema

    cfg_file = root / CONFIG_NAME
    try:
        doc = load_yaml(cfg_file, display=CONFIG_NAME)
    except YamlLoadError as exc:
        if [f.code for f in exc.findings] == ["DAC104"]:  # an empty config means "all defaults"
            return ProjectConfig(root=root, paths={k: root / v for k, v in DEFAULT_PATHS.items()}, config_file=cfg_file)
        raise ConfigError(_describe(exc.findings)) from None
    problems = doc.findings + check_schema(doc, "project-config")
    if problems:
        raise ConfigError(_describe(problems))
    paths = {k: root / doc.data.get("paths", {}).get(k, v) for k, v in DEFAULT_PATHS.items()}
    return ProjectConfig(
        root=root,
        paths=paths,
        require_cases=bool(doc.data.get("require_cases", True)),
        config_file=cfg_file,
        ingestion_delay=_delays(doc.data.get("ingestion_delay") or {}),
        deprecated_rules=doc.data.get("deprecated_rules", "disable"),
        backtest=_backtest(root, doc.data.get("backtest")),
        external_data={url: root / path for url, path in (doc.data.get("externaldata") or {}).items()},
    )


def _backtest(root: Path, raw: dict | None) -> BacktestConfig | None:
    if not raw:
        return None
    return BacktestConfig(
        data=root / raw["data"],
        expect=root / raw["expect"] if raw.get("expect") else None,
        report=root / raw["report"] if raw.get("report") else None,
        generate=raw.get("generate"),
    )


def _delays(raw: dict) -> dict[str, timedelta]:
    from .content.durations import parse_delay

    try:
        return {table: parse_delay(text) for table, text in raw.items()}
    except ValueError as exc:
        raise ConfigError(f"invalid project configuration: ingestion_delay: {exc}") from None


def _describe(findings: list) -> str:
    return "invalid project configuration:\n" + "\n".join(f"  {f.location}: {f.code} {f.message}" for f in findings)
