"""Semantic KQL checks: one fixture per diagnostic kind, each asserting the reported line AND column.

The expected position is written out and also re-derived from the fixture text
(the first occurrence of a needle), so a fixture edit that moves the problem
fails loudly instead of silently testing something else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import FIXTURES, validate
from sentinel_dac.findings import Level

KQL = FIXTURES / "kql"

CASES = [
    # fixture, code, line, column, text found at that position
    ("syntax_error", "DAC400", 21, 43, "\n  | summarize"),
    ("unknown_column", "DAC402", 21, 11, "OperationNme"),
    ("unknown_table", "DAC401", 20, 3, "AZKVAuditLog\n"),
    ("unknown_function", "DAC403", 22, 60, "tostrin("),
    ("type_error", "DAC404", 21, 58, "> 5"),
    ("entity_column_not_in_output", "DAC410", 31, 21, "CallerName"),
    ("custom_detail_not_in_output", "DAC411", 33, 16, "ReadCount"),
    ("placeholder_not_in_output", "DAC412", 35, 59, "{{Vault}}"),
]


def position_of(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


@pytest.mark.parametrize(("name", "code", "line", "column", "needle"), CASES, ids=[c[0] for c in CASES])
def test_each_diagnostic_kind_is_reported_at_its_line_and_column(tmp_path, name, code, line, column, needle):
    path = KQL / f"{name}.yaml"
    assert position_of(path.read_text(), needle) == (line, column), "fixture and expectation disagree"
    result = validate(tmp_path, path)
    assert [(f.code, f.line, f.column) for f in result.findings] == [(code, line, column)], [
        f.render() for f in result.findings
    ]
    assert result.errors and result.failed()


def test_the_unbroken_fixture_is_clean(tmp_path):
    result = validate(tmp_path, KQL / "valid.yaml")
    assert result.findings == []


def test_messages_name_the_problem_and_suggest_the_fix(tmp_path):
    msgs = {}
    for name, code, *_ in CASES:
        (finding,) = validate(tmp_path, KQL / f"{name}.yaml").findings
        msgs[code] = finding.message
    assert "Did you mean 'OperationName'?" in msgs["DAC402"]
    assert "'AZKVAuditLogs'" in msgs["DAC401"]
    assert "Did you mean 'tostring'?" in msgs["DAC403"]
    assert "datetime and long" in msgs["DAC404"]
    for code in ("DAC410", "DAC411", "DAC412"):  # the available columns are listed
        assert "The query outputs: CallerIpAddress, Caller, Count" in msgs[code], msgs[code]
    assert "did you mean 'Caller'?" in msgs["DAC410"]


def rule(query: str, **extra: str) -> str:
    """A minimal valid Scheduled rule around `query` (indented as a literal block)."""
    body = "\n".join("  " + ln for ln in query.strip("\n").splitlines())
    fields = {
        "queryFrequency": "1h",
        "queryPeriod": "1h",
        "kind": "Scheduled",
        **extra,
    }
    head = "\n".join(f"{k}: {v}" for k, v in fields.items() if v is not None)
    return (
        "id: 7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\nname: Inline rule\ndescription: inline\n"
        f"severity: Low\nrequiredDataConnectors: []\n{head}\n"
        + ("triggerOperator: gt\ntriggerThreshold: 0\n" if fields["kind"] == "Scheduled" else "")
        + f"tactics: []\nrelevantTechniques: []\nquery: |\n{body}\nversion: 1.0.0\n"
    )


def run(make_project, files: dict[str, str]):
    root = make_project(files, config="require_cases: false\n")
    return validate(root)


def found(result) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in result.findings]


def test_query_styles_map_offsets_back_to_the_file(make_project):
    folded = rule("x").replace(
        "query: |\n  x\n", "query: >-\n  AZKVAuditLogs\n  | where\n  OperationNme == 'x'\n"
    )  # folded scalar: the line breaks become spaces
    quoted = rule("x").replace("query: |\n  x\n", 'query: "AZKVAuditLogs | where Nope == 1"\n')
    result = run(make_project, {"detections/folded.yaml": folded, "detections/quoted.yaml": quoted})
    by_file = {Path(f.file).name: (f.code, f.line, f.column) for f in result.findings}
    assert by_file["folded.yaml"] == ("DAC402", position_of(folded, "OperationNme")[0], 3)
    assert by_file["quoted.yaml"] == ("DAC402", *position_of(quoted, "Nope"))


def test_positions_survive_characters_outside_the_bmp(make_project):
    text = rule("AZKVAuditLogs\n| where OperationName == '🔑🔑' and Nope == 1")
    result = run(make_project, {"detections/r.yaml": text})
    assert found(result) == [("DAC402", *position_of(text, "Nope"))]


HUNTING = """\
id: 1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d
name: Secret reads by caller
description: Hunting query fixture.
requiredDataConnectors: []
tactics: []
relevantTechniques: []
query: |
  AZKVAuditLogs
  | summarize Reads = count() by CallerIpAddress
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: CallerIP
"""


def test_hunting_queries_get_the_same_checks(make_project):
    result = run(make_project, {"hunting/h.yaml": HUNTING})
    assert found(result) == [("DAC410", *position_of(HUNTING, "CallerIP\n"))]


WATCHLIST = """\
watchlistAlias: HighValueHosts
displayName: High value hosts
description: Hosts that matter.
provider: Custom
source: items.csv
itemsSearchKey: Host
"""
ITEMS = "Host,Owner Team\nvault-01,secops\n"


def test_get_watchlist_returns_the_csv_columns_plus_what_sentinel_adds(make_project):
    query = """
AZKVAuditLogs
| join kind=inner (_GetWatchlist('HighValueHosts') | project SearchKey, ['Owner Team'], LastUpdatedTimeUTC, _DTItemId)
    on $left.CallerIpAddress == $right.SearchKey
| project CallerIpAddress, ['Owner Team']
"""
    files = {
        "detections/r.yaml": rule(query),
        "watchlists/hvh/watchlist.yaml": WATCHLIST,
        "watchlists/hvh/items.csv": ITEMS,
    }
    assert run(make_project, files).findings == []
    files["detections/r.yaml"] = rule(query.replace("['Owner Team'], Last", "Owner, Last"))
    # 'Owner' is not a watchlist column, and the final project then misses 'Owner Team'
    assert [f.code for f in run(make_project, files).findings] == ["DAC402", "DAC402"]


def test_unknown_watchlist_alias_is_an_error_at_the_alias(make_project):
    text = rule("_GetWatchlist('HighValueHost') | project SearchKey")
    files = {"detections/r.yaml": text, "watchlists/hvh/watchlist.yaml": WATCHLIST, "watchlists/hvh/items.csv": ITEMS}
    (f,) = run(make_project, files).findings
    assert (f.code, f.line, f.column) == ("DAC406", *position_of(text, "'HighValueHost'"))
    assert "HighValueHost'" in f.message and "defined aliases: HighValueHosts" in f.message and f.is_error
    files["detections/r.yaml"] = rule("_GetWatchlist('highvaluehosts') | project SearchKey")
    (f,) = run(make_project, files).findings
    assert f.code == "DAC406" and f.level is Level.WARNING and "case" in f.message


PARSER = """\
id: 2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b
Function:
  Title: Key Vault secret reads
  Version: 1.0.0
FunctionName: KeyVaultSecretReads
FunctionAlias: KvSecretReads
FunctionParams:
  - Name: lookback
    Type: timespan
    Default: 1d
FunctionQuery: |
  AZKVAuditLogs
  | where TimeGenerated > ago(lookback) and OperationName == "SecretGet"
  | project TimeGenerated, Caller = tostring(Identity), CallerIpAddress
"""


def test_parsers_are_callable_by_name_and_alias_and_return_their_columns(make_project):
    files = {
        "parsers/kv.yaml": PARSER,
        "detections/a.yaml": rule("KvSecretReads(2h) | summarize n = count() by Caller"),
        "hunting/b.yaml": HUNTING.replace("AZKVAuditLogs\n", "KeyVaultSecretReads\n").replace(
            "CallerIP\n", "CallerIpAddress\n"
        ),
    }
    assert run(make_project, files).findings == []
    files["detections/a.yaml"] = rule("KvSecretReads | summarize n = count() by Identity")
    assert [f.code for f in run(make_project, files).findings] == ["DAC402"]  # Identity was projected away


def test_parser_bodies_are_checked_with_their_parameters_in_scope(make_project):
    broken = PARSER.replace("CallerIpAddress\n", "CallerIp\n")
    result = run(make_project, {"parsers/kv.yaml": broken})
    assert found(result) == [("DAC402", *position_of(broken, "CallerIp\n"))]
    tabular = PARSER.replace("  - Name: lookback", "  - Name: events\n    Type: table:(*)\n  - Name: lookback").replace(
        "  AZKVAuditLogs\n", "  events\n"
    )
    assert run(make_project, {"parsers/kv.yaml": tabular}).findings == []


def test_case_only_column_mismatch_is_a_warning(make_project):
    text = rule(
        "AZKVAuditLogs | project CallerIpAddress",
    ).replace(
        "version: 1.0.0\n",
        "entityMappings:\n  - entityType: IP\n    fieldMappings:\n      - identifier: Address\n"
        "        columnName: CallerIPAddress\nversion: 1.0.0\n",
    )
    (f,) = run(make_project, {"detections/r.yaml": text}).findings
    assert f.code == "DAC410" and f.level is Level.WARNING and "did you mean 'CallerIpAddress'" in f.message


def test_severity_column_must_be_a_string(make_project):
    text = rule("AZKVAuditLogs | summarize Sev = count(), Tac = tostring('x') by CallerIpAddress").replace(
        "version: 1.0.0\n",
        "alertDetailsOverride:\n  alertSeverityColumnName: Sev\n  alertTacticsColumnName: Missing\nversion: 1.0.0\n",
    )
    result = run(make_project, {"detections/r.yaml": text})
    got = {(f.code, f.level) for f in result.findings}
    assert got == {("DAC413", Level.WARNING), ("DAC412", Level.ERROR)}, [f.render() for f in result.findings]


ACCOUNT = (
    "entityMappings:\n  - entityType: Account\n    fieldMappings:\n      - identifier: FullName\n"
    "        columnName: Caller\nversion: 1.0.0\n"
)


@pytest.mark.parametrize(
    ("query", "mappings", "flagged"),
    [
        # the legacy column reaches the result and nothing maps an Account: the entity is lost
        ("AZKVAuditLogs | extend AccountCustomEntity = CallerIpAddress | project AccountCustomEntity", None, True),
        # made inside the query, then projected away: Sentinel never sees it (Azure-Sentinel's CABlockedSigninSpikes)
        ("AZKVAuditLogs | extend AccountCustomEntity = Identity | project Caller = tostring(Identity)", ACCOUNT, False),
        # a copy of a column that is mapped as an Account (Azure-Sentinel's Granting_Permissions_To_Account)
        (
            "AZKVAuditLogs | extend Caller = tostring(Identity), AccountCustomEntity = tostring(Identity)",
            ACCOUNT,
            False,
        ),
        # mapped itself
        (
            "AZKVAuditLogs | project AccountCustomEntity = tostring(Identity)",
            ACCOUNT.replace("columnName: Caller", "columnName: AccountCustomEntity"),
            False,
        ),
    ],
)
def test_legacy_entity_columns_are_judged_on_the_result_and_the_mapped_types(make_project, query, mappings, flagged):
    text = rule(query)
    if mappings:
        text = text.replace("version: 1.0.0\n", mappings)
    result = run(make_project, {"detections/r.yaml": text})
    legacy = [f for f in result.findings if f.code == "DAC241"]
    assert bool(legacy) is flagged, [f.render() for f in result.findings]
    if flagged:
        assert "no entityMappings entry maps an Account entity" in legacy[0].message


def test_open_results_are_not_guessed(make_project):
    # evaluate bag_unpack makes the columns unknowable: no output-schema finding either way
    text = rule("AZKVAuditLogs | evaluate bag_unpack(Properties)").replace(
        "version: 1.0.0\n",
        "customDetails:\n  Anything: SomeUnpackedColumn\nversion: 1.0.0\n",
    )
    assert run(make_project, {"detections/r.yaml": text}).findings == []


def test_no_kql_turns_semantic_checks_off_explicitly(make_project, monkeypatch):
    from click.testing import CliRunner

    from sentinel_dac.cli import main

    root = make_project({"detections/r.yaml": rule("AZKVAuditLogs | where Nope == 1")}, "require_cases: false\n")
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["validate"])
    assert res.exit_code == 1 and "detections/r.yaml:" in res.output and "DAC402" in res.output
    res = CliRunner().invoke(main, ["validate", "--no-kql"])
    assert res.exit_code == 0, res.output
    assert CliRunner().invoke(main, ["version", "lock"]).exit_code == 0
    res = CliRunner().invoke(main, ["check"])
    assert res.exit_code == 1 and "DAC402" in res.output
    res = CliRunner().invoke(main, ["check", "--no-kql"])
    assert res.exit_code == 0, res.output
