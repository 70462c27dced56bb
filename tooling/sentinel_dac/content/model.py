"""The typed content model every later pipeline step uses.

Field names are snake_case; the Sentinel (camelCase) names stay in the YAML
files and in `raw`. Objects are built only from documents that passed their
JSON Schema, so constructors can trust types (see `content.build`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from .yamlsrc import Pos, YamlDoc, YamlPath

Kind = Literal["Scheduled", "NRT"]
TriggerOperator = Literal["gt", "lt", "eq", "ne"]
Aggregation = Literal["SingleAlert", "AlertPerResult"]


@dataclass(frozen=True)
class FieldMapping:
    identifier: str
    column_name: str


@dataclass(frozen=True)
class EntityMapping:
    entity_type: str
    field_mappings: tuple[FieldMapping, ...]


@dataclass(frozen=True)
class DataConnector:
    connector_id: str | None
    data_types: tuple[str, ...]


@dataclass(frozen=True)
class AlertDetailsOverride:
    display_name_format: str | None = None
    description_format: str | None = None
    tactics_column: str | None = None
    severity_column: str | None = None
    dynamic_properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class GroupingConfiguration:
    enabled: bool
    reopen_closed_incident: bool
    lookback: timedelta
    matching_method: str
    group_by_entities: tuple[str, ...] = ()
    group_by_alert_details: tuple[str, ...] = ()
    group_by_custom_details: tuple[str, ...] = ()


@dataclass(frozen=True)
class IncidentConfiguration:
    create_incident: bool
    grouping: GroupingConfiguration | None = None


@dataclass(frozen=True)
class Deprecation:
    date: str
    reason: str


@dataclass(frozen=True)
class RuleMeta:
    """Our own metadata about a rule, kept in `<rule>.meta.yaml` beside it.

    Sentinel does not know these fields, so they never go into the rule file.
    """

    source: YamlDoc
    family: str | None = None
    atlas: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    deprecated: Deprecation | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class ContentItem:
    """Fields shared by analytics rules and hunting queries (one loader, one model)."""

    source: YamlDoc
    id: str
    name: str
    description: str
    query: str
    tactics: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()
    entity_mappings: tuple[EntityMapping, ...] = ()
    required_data_connectors: tuple[DataConnector, ...] = ()
    version: str | None = None
    meta: RuleMeta | None = None

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def display(self) -> str:
        return self.source.display

    @property
    def raw(self) -> dict[str, Any]:
        return self.source.data

    def pos(self, *path: str | int) -> Pos:
        return self.source.pos(path)

    def query_pos(self, offset: int) -> Pos:
        """File position of a character offset inside the query."""
        return self.source.scalar_offset_pos(self.query_path, offset)

    @property
    def query_path(self) -> YamlPath:
        return ("query",)


@dataclass
class AnalyticsRule(ContentItem):
    kind: Kind = "Scheduled"
    severity: str = "Medium"
    query_frequency: timedelta | None = None
    query_period: timedelta | None = None
    trigger_operator: TriggerOperator | None = None
    trigger_threshold: int | None = None
    custom_details: dict[str, str] = field(default_factory=dict)
    alert_details_override: AlertDetailsOverride | None = None
    aggregation: Aggregation = "SingleAlert"
    incident_configuration: IncidentConfiguration | None = None
    suppression_enabled: bool = False
    suppression_duration: timedelta | None = None


@dataclass
class HuntingQuery(ContentItem):
    pass


@dataclass(frozen=True)
class FunctionParam:
    name: str
    type: str
    default: str | None = None


@dataclass
class Parser:
    """A KQL function (Sentinel "parser"), deployed as a saved search with an alias."""

    source: YamlDoc
    id: str
    title: str
    function_name: str
    function_alias: str
    query: str
    version: str | None = None
    category: str | None = None
    params: tuple[FunctionParam, ...] = ()

    @property
    def display(self) -> str:
        return self.source.display

    @property
    def query_path(self) -> YamlPath:
        return ("FunctionQuery",)

    def query_pos(self, offset: int) -> Pos:
        return self.source.scalar_offset_pos(self.query_path, offset)


@dataclass
class Watchlist:
    """A Sentinel watchlist: definition in YAML, items in a CSV file beside it."""

    source: YamlDoc
    alias: str
    display_name: str
    description: str
    provider: str
    search_key: str
    csv_path: Path
    columns: tuple[str, ...] = ()
    rows: tuple[dict[str, str], ...] = ()

    @property
    def display(self) -> str:
        return self.source.display


@dataclass
class Workbook:
    """A Sentinel workbook: `<name>.workbook.yaml` (id, name) and the workbook JSON beside it.

    `data` is the workbook itself as the portal's Advanced Editor shows it (the Gallery Template:
    `{"version": "Notebook/1.0", "items": [...]}`); it is deployed as `serializedData`.
    """

    source: YamlDoc
    id: str
    display_name: str
    description: str
    data_path: Path
    data: dict[str, Any]
    version: str | None = None
    text: str = ""
    """The workbook JSON as written, to place findings at its lines."""
    check_parameters: dict[str, str] = field(default_factory=dict)
    """KQL stand-ins for `{Parameter}` placeholders when its queries are checked (`checkParameters`)."""

    @property
    def display(self) -> str:
        return self.source.display
