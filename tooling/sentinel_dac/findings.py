"""Findings: what every check returns, and the registry of finding codes.

A finding is data (pySigma's "issues as data"): the file, line and column it
is about, a stable code, a message and a level. Checks never print; the
reporters in `validate.report` render findings as text, JSON or SARIF.

Every code used anywhere is declared once in `CODES`, so the SARIF reporter
can describe each rule and a test can check that no code is used undeclared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    summary: str


_DECLARED = [
    # Files and YAML
    Code("DAC100", "unreadable-file", "The file cannot be read."),
    Code("DAC101", "not-text", "The file is binary or not UTF-8 text."),
    Code("DAC102", "yaml-syntax", "The file is not valid YAML."),
    Code("DAC103", "duplicate-key", "A YAML mapping has the same key twice."),
    Code("DAC104", "empty-file", "The file holds no content."),
    Code("DAC105", "not-a-mapping", "The document is not a YAML mapping."),
    Code("DAC106", "file-too-large", "The file exceeds the size limit for content files."),
    Code("DAC107", "multiple-documents", "The file holds more than one YAML document."),
    Code("DAC108", "unsupported-yaml", "The file uses YAML features content files may not use."),
    Code("DAC109", "unknown-content", "The file's kind of content cannot be determined."),
    # Schema
    Code("DAC200", "schema", "The content does not match its JSON Schema."),
    Code("DAC201", "missing-field", "A required field is missing."),
    Code("DAC202", "unknown-field", "A field is not part of the format."),
    Code("DAC203", "wrong-type", "A field has the wrong type."),
    Code("DAC204", "empty-field", "An optional field is present but empty (null); it is ignored."),
    Code("DAC210", "invalid-id", "The id is not a GUID."),
    Code("DAC211", "invalid-name", "The name is empty or too long."),
    Code("DAC212", "invalid-description", "The description is missing or too long."),
    Code("DAC213", "invalid-severity", "The severity is not one Sentinel accepts."),
    Code("DAC214", "invalid-kind", "The rule kind is not Scheduled or NRT."),
    Code("DAC215", "invalid-query-frequency", "queryFrequency is malformed or out of range."),
    Code("DAC216", "invalid-query-period", "queryPeriod is malformed or out of range."),
    Code("DAC217", "period-below-frequency", "queryPeriod is shorter than queryFrequency."),
    Code(
        "DAC218", "long-period-frequency", "A queryPeriod of 2 days or more needs a queryFrequency of at least 1 hour."
    ),
    Code("DAC219", "nrt-field", "An NRT rule carries a scheduling or trigger field."),
    Code("DAC220", "invalid-trigger-operator", "triggerOperator is not gt, lt, eq or ne."),
    Code("DAC221", "invalid-trigger-threshold", "triggerThreshold is outside 0-10000."),
    Code("DAC222", "invalid-query", "The query is empty or longer than 10,000 characters."),
    Code("DAC223", "invalid-tactic", "A tactic is not one Sentinel accepts."),
    Code("DAC224", "invalid-technique-format", "A technique id is not T#### or T####.###."),
    Code("DAC225", "unknown-technique", "A technique does not exist in ATT&CK, or was revoked or deprecated."),
    Code("DAC226", "technique-tactic-mismatch", "A technique belongs to none of the rule's tactics."),
    Code("DAC227", "entity-mapping-count", "More entity mappings than Sentinel allows."),
    Code("DAC228", "invalid-entity-type", "An entity type Sentinel does not know."),
    Code("DAC229", "field-mapping-count", "An entity mapping needs 1-3 field mappings."),
    Code("DAC230", "invalid-identifier", "An identifier is not valid for its entity type."),
    Code(
        "DAC231", "entity-identifiers", "Identifiers repeated, or the required identifiers of the entity type missing."
    ),
    Code("DAC232", "invalid-column-name", "A mapped column name is not a valid Log Analytics column name."),
    Code("DAC233", "invalid-custom-details", "customDetails break Sentinel's limits on count, key or value."),
    Code("DAC234", "invalid-alert-details-override", "alertDetailsOverride breaks Sentinel's limits."),
    Code("DAC235", "invalid-version", "The version is not X.Y.Z."),
    Code("DAC236", "invalid-event-grouping", "eventGroupingSettings is malformed."),
    Code("DAC237", "invalid-incident-configuration", "incidentConfiguration is malformed."),
    Code("DAC238", "invalid-data-connectors", "requiredDataConnectors is malformed."),
    Code("DAC239", "invalid-suppression", "Suppression settings are malformed or out of range."),
    Code("DAC240", "unknown-atlas-id", "A MITRE ATLAS id does not exist."),
    Code(
        "DAC241",
        "legacy-entity-column",
        "A legacy *CustomEntity column reaches the result and no entity of its type is mapped.",
    ),
    Code("DAC242", "deprecated-technique", "A technique is deprecated in ATT&CK."),
    Code("DAC250", "invalid-watchlist", "A watchlist definition or its CSV is malformed."),
    Code("DAC251", "invalid-parser", "A parser (KQL function) definition is malformed."),
    Code("DAC252", "invalid-meta", "A rule's sibling metadata file is malformed."),
    Code("DAC253", "invalid-config", "The project configuration is malformed."),
    Code("DAC254", "invalid-table-schema", "A table schema file is malformed."),
    Code("DAC255", "invalid-workbook", "A workbook definition or its workbook JSON is malformed."),
    # Across files
    Code("DAC300", "duplicate-id", "Two content items share an id."),
    Code("DAC301", "duplicate-name", "Two content items share a name."),
    Code("DAC302", "duplicate-watchlist-alias", "Two watchlists share an alias."),
    Code("DAC303", "orphan-sibling", "A sibling file (metadata or tests) has no rule beside it."),
    Code("DAC304", "duplicate-function", "Two parsers declare the same function name or alias."),
    # KQL semantics (Microsoft's Kusto.Language)
    Code("DAC400", "kql-syntax", "The KQL query does not parse."),
    Code("DAC401", "kql-unknown-table", "The query reads a table the table catalogue does not know."),
    Code("DAC402", "kql-unknown-column", "The query names a column or variable that does not exist where it is used."),
    Code("DAC403", "kql-unknown-function", "The query calls a function that is neither built in nor a parser."),
    Code("DAC404", "kql-semantic-error", "The query has a type error or another semantic error."),
    Code("DAC405", "kql-warning", "Kusto.Language warns about the query."),
    Code("DAC406", "unknown-watchlist", "_GetWatchlist names a watchlist alias no watchlist in the repository has."),
    Code("DAC407", "kql-analysis-failed", "Kusto.Language could not analyse the query."),
    Code("DAC410", "entity-column-not-in-output", "An entity mapping names a column the query does not output."),
    Code("DAC411", "custom-detail-not-in-output", "A custom detail names a column the query does not output."),
    Code("DAC412", "alert-detail-not-in-output", "alertDetailsOverride names a column the query does not output."),
    Code("DAC413", "alert-detail-column-type", "An alertDetailsOverride column has a type Sentinel cannot use."),
    Code(
        "DAC420",
        "lookback-beyond-period",
        "The query looks back further than queryPeriod, so part of its window is empty.",
    ),
    Code(
        "DAC421",
        "lookback-below-frequency",
        "The query's time window is shorter than queryFrequency, so events are missed.",
    ),
    Code("DAC422", "nrt-time-filter", "An NRT rule filters TimeGenerated with ago(), dropping late-arriving events."),
    Code(
        "DAC423",
        "overlapping-windows",
        "Row-level query without time filter over overlapping windows: duplicate alerts.",
    ),
    Code("DAC424", "search-union-star", "The query uses `search *` or `union *`, which Sentinel rules cannot contain."),
    # Samples, test cases, simulation
    Code("DAC500", "sample-json", "A sample line is not valid JSON, or not a JSON object."),
    Code("DAC501", "sample-unknown-table", "A sample's table is not in the table catalogue."),
    Code("DAC502", "sample-unknown-column", "A sample row has a column the table does not have."),
    Code("DAC503", "sample-wrong-type", "A sample value does not have its column's type."),
    Code("DAC504", "sample-no-timezone", "A sample timestamp has no time zone."),
    Code("DAC505", "sample-empty", "A sample file holds no rows."),
    Code("DAC506", "sample-missing", "A sample file named by a test case does not exist."),
    Code("DAC507", "sample-table-conflict", "A sample's table named in the test case differs from its file name."),
    Code("DAC510", "invalid-tests", "A test-case file is malformed."),
    Code("DAC511", "duplicate-case", "Two test cases of a rule share a name."),
    Code("DAC512", "missing-cases", "A rule lacks a positive or a negative test case."),
    Code(
        "DAC513",
        "externaldata-without-copy",
        "Test cases beside a query that reads externaldata with no recorded copy.",
    ),
    Code("DAC514", "rule-not-loaded", "The rule beside a tests file is invalid, so its cases cannot run."),
    Code("DAC520", "case-failed", "A test case's expectations were not met."),
    Code("DAC521", "unsupported-kql", "The query uses KQL the engine does not support."),
    Code("DAC522", "query-error", "The engine could not run the query."),
    Code("DAC523", "case-not-run", "A test case could not be run (engine unavailable)."),
    # Lifecycle: version lock, formatting, generated docs (issue 12)
    Code("DAC800", "version-not-bumped", "A rule's logic changed but its version did not go up."),
    Code("DAC801", "version-decreased", "A rule's version went down."),
    Code("DAC802", "id-changed", "An existing rule file's id changed."),
    Code("DAC803", "id-reused", "A rule takes the id of a deprecated or deleted rule."),
    Code("DAC804", "lock-stale", "The version lock does not match the content (regenerate it)."),
    Code("DAC810", "not-formatted", "A content file is not in canonical format (`sentinel-dac fmt`)."),
    Code("DAC820", "docs-stale", "The generated rule catalogue in docs/ does not match the content."),
    # Deploy and targets
    Code("DAC600", "invalid-emulator-workspaces", "The emulator's workspace fixture file is malformed."),
    Code("DAC601", "invalid-targets", "The deployment targets file (workspaces.yaml) is malformed."),
    Code("DAC602", "unknown-override", "A target overrides a rule, parameter or watchlist the project does not have."),
    Code("DAC603", "invalid-parameter", "A rule parameter is not a top-level `let NAME = literal;` of its query."),
    Code("DAC604", "empty-selection", "A target's content selection matches nothing."),
    Code("DAC610", "workspace-table-missing", "A rule reads a table the target workspace does not have."),
    Code("DAC611", "workspace-column-missing", "A rule reads a column the target workspace's table does not have."),
    Code(
        "DAC612",
        "table-plan",
        "A rule reads a table on the Basic or Auxiliary plan, which analytics rules cannot query.",
    ),
    Code("DAC613", "stale-data", "A table a rule reads has received no data recently in the target workspace."),
    # Backtest (issue 7)
    Code("DAC700", "backtest-no-data", "The backtest's data folder holds no usable JSON Lines files."),
    Code("DAC701", "data-unordered", "Rows of a backtest data file are not in TimeGenerated order."),
    Code("DAC702", "data-overlap", "Two backtest data files of one table cover overlapping times."),
    Code("DAC703", "data-gap", "A table's data has a gap, or does not cover the backtest range."),
    Code("DAC704", "rule-no-data", "A rule reads a table with no data in the backtest: not backtested."),
    Code("DAC705", "range-too-short", "The backtest range is shorter than the rule's queryPeriod: not backtested."),
    Code("DAC706", "backtest-run-failed", "A rule run failed in the backtest (unsupported KQL or query error)."),
    Code("DAC707", "invalid-expect", "The --expect episodes file is malformed."),
    # Hunting and recording from a workspace (issue 13)
    Code(
        "DAC900",
        "backtest-table-missing",
        "A table the backtested rules read does not exist in the workspace the logs come from.",
    ),
    Code("DAC901", "fetch-capped", "A time window still exceeded the query API's limits at the smallest split."),
]

CODES: dict[str, Code] = {c.code: c for c in _DECLARED}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in one place.

    `file` is the path as shown to the user (relative to the project root when
    the file is inside it). `line` and `column` are 1-based; 0 means "the whole
    file" (for example an unreadable file has no line).
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    level: Level = Level.ERROR
    field: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"undeclared finding code {self.code}")

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    @property
    def location(self) -> str:
        """`file:line:column` (the form editors and CI annotations jump to); less when unknown."""
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column > 0 else f"{self.file}:{self.line}"

    def render(self) -> str:
        return f"{self.location}: {self.code} {self.message}" + ("" if self.is_error else " [warning]")

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "name": CODES[self.code].name,
            "level": self.level.value,
            "message": self.message,
        }
        if self.field is not None:
            out["field"] = self.field
        return out
