"""Checks across files: ids, names, siblings, watchlists, parsers, metadata."""

from __future__ import annotations

from helpers import codes, load, valid_rule_text, validate

OTHER_ID = "id: 9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
RULE_ID = "id: 4b0a3c2e-6f1d-4a8e-9c1b-2d3e4f5a6b7c"
RULE_NAME = "name: Key Vault secret read by a new caller"

WATCHLIST = """watchlistAlias: GenAIServices
displayName: GenAI services
description: Third-party GenAI domains
provider: sentinel-dac
itemsSearchKey: Domain
source: genai.csv
"""

PARSER = """id: 2f1e0d9c-8b7a-4654-9321-0fedcba98765
Function:
  Title: Azure OpenAI requests
  Version: '1.0.0'
  LastUpdated: '2026-11-01'
Category: Microsoft Sentinel Parser
FunctionName: AOAIRequests
FunctionAlias: AOAIRequests
FunctionParams:
  - Name: lookback
    Type: timespan
    Default: 1d
FunctionQuery: |
  AzureDiagnostics
  | where ResourceProvider == "MICROSOFT.COGNITIVESERVICES"
"""


def test_duplicate_id_across_files_points_at_the_second(make_project):
    root = make_project(
        {
            "detections/a/one.yaml": valid_rule_text(),
            "detections/b/two.yaml": valid_rule_text(**{RULE_NAME: "name: Another name"}),
        }
    )
    result = validate(root)
    assert codes(result) == [("two.yaml", 1, "DAC300")]
    assert "detections/a/one.yaml:1" in result.findings[0].message


def test_duplicate_id_is_case_insensitive(make_project):
    upper = RULE_ID.upper().replace("ID:", "id:")
    root = make_project(
        {
            "detections/one.yaml": valid_rule_text(),
            "detections/two.yaml": valid_rule_text(**{RULE_ID: upper, RULE_NAME: "name: Other"}),
        }
    )
    assert [c for _, _, c in codes(validate(root))] == ["DAC300"]


def test_duplicate_id_between_rule_and_hunting_query(make_project):
    hunting = f"{RULE_ID}\nname: Hunt\ndescription: d\nquery: AzureActivity | take 1\n"
    root = make_project({"detections/one.yaml": valid_rule_text(), "hunting/h.yaml": hunting})
    assert [c for _, _, c in codes(validate(root))] == ["DAC300"]


def test_duplicate_name(make_project):
    root = make_project(
        {
            "detections/one.yaml": valid_rule_text(),
            "detections/two.yaml": valid_rule_text(**{RULE_ID: OTHER_ID}),
        }
    )
    assert codes(validate(root)) == [("two.yaml", 2, "DAC301")]


def test_validating_one_file_still_checks_it_against_the_others(make_project):
    root = make_project(
        {
            "detections/one.yaml": valid_rule_text(),
            "detections/two.yaml": valid_rule_text(**{RULE_NAME: "name: Other"}),
        }
    )
    result = validate(root, root / "detections/two.yaml")
    assert result.files_checked == 1
    assert codes(result) == [("two.yaml", 1, "DAC300")]


def test_meta_file_attaches_and_atlas_ids_are_checked(make_project):
    root = make_project(
        {
            "detections/kv/rule.yaml": valid_rule_text(),
            "detections/kv/rule.meta.yaml": "family: keyvault\natlas:\n  - AML.T0024\n  - AML.T9999\n",
        }
    )
    project = load(root)
    assert project.rules[0].meta is not None and project.rules[0].meta.family == "keyvault"
    assert codes(validate(root)) == [("rule.meta.yaml", 4, "DAC240")]


def test_meta_file_bad_format(make_project):
    root = make_project(
        {
            "detections/kv/rule.yaml": valid_rule_text(),
            "detections/kv/rule.meta.yaml": "family: Key Vault\natlas: [AML.X1]\nowner: me\n",
        }
    )
    assert sorted(codes(validate(root))) == [
        ("rule.meta.yaml", 1, "DAC252"),
        ("rule.meta.yaml", 2, "DAC240"),
        ("rule.meta.yaml", 3, "DAC202"),
    ]


def test_orphan_meta_and_tests_files(make_project):
    root = make_project(
        {
            "detections/kv/rule.yaml": valid_rule_text(),
            "detections/kv/gone.meta.yaml": "family: x\n",
            "detections/kv/gone.tests.yaml": "cases: []\n",
        }
    )
    assert sorted(codes(validate(root))) == [("gone.meta.yaml", 1, "DAC303"), ("gone.tests.yaml", 1, "DAC303")]


def test_meta_beside_a_broken_rule_is_not_an_orphan(make_project):
    root = make_project(
        {
            "detections/kv/rule.yaml": valid_rule_text(**{"severity: Medium": "severity: Huge"}),
            "detections/kv/rule.meta.yaml": "family: keyvault\n",
        }
    )
    assert [c for _, _, c in codes(validate(root))] == ["DAC213"]


def test_watchlist_loads_with_columns_and_rows(make_project):
    root = make_project(
        {
            "watchlists/genai/watchlist.yaml": WATCHLIST,
            "watchlists/genai/genai.csv": (
                "Domain,Service,Category\nchat.example.com,ExampleChat,chat\napi.example.net,ExampleAPI,api\n"
            ),
        }
    )
    assert validate(root).findings == []
    (wl,) = load(root).watchlists
    assert wl.alias == "GenAIServices" and wl.columns == ("Domain", "Service", "Category")
    assert [r["Domain"] for r in wl.rows] == ["chat.example.com", "api.example.net"]


def test_watchlist_csv_problems(make_project):
    root = make_project(
        {
            "watchlists/genai/watchlist.yaml": WATCHLIST,
            "watchlists/genai/genai.csv": (
                "Domain,Service,Service\nchat.example.com,A\n,B,x\nok.example,C,y\nok.example,D,z\n"
            ),
        }
    )
    found = sorted(codes(validate(root)))
    assert found == [
        ("genai.csv", 1, "DAC250"),
        ("genai.csv", 2, "DAC250"),
        ("genai.csv", 3, "DAC250"),
        ("genai.csv", 5, "DAC250"),
    ]
    messages = " | ".join(f.message for f in validate(root).findings)
    assert "appears twice" in messages and "2 values" in messages and "match everything" in messages
    assert "repeats line 4" in messages


def test_watchlist_search_key_not_a_column_and_missing_csv(make_project):
    root = make_project(
        {
            "watchlists/a/watchlist.yaml": WATCHLIST,
            "watchlists/a/genai.csv": "Host,Service\nx,y\n",
            "watchlists/b/watchlist.yaml": WATCHLIST.replace("GenAIServices", "Other").replace("genai.csv", "none.csv"),
        }
    )
    found = codes(validate(root))
    assert ("watchlist.yaml", 5, "DAC250") in found and ("watchlist.yaml", 6, "DAC250") in found


def test_duplicate_watchlist_alias(make_project):
    csv = "Domain\nx.example\n"
    root = make_project(
        {
            "watchlists/a/watchlist.yaml": WATCHLIST,
            "watchlists/a/genai.csv": csv,
            "watchlists/b/watchlist.yaml": WATCHLIST.replace("GenAIServices", "genaiservices"),
            "watchlists/b/genai.csv": csv,
        }
    )
    assert codes(validate(root)) == [("watchlist.yaml", 1, "DAC302")]


def test_parser_loads_and_duplicate_function_names_are_caught(make_project):
    root = make_project(
        {
            "parsers/aoai.yaml": PARSER,
            "parsers/aoai2.yaml": PARSER.replace("2f1e0d9c", "3f1e0d9c"),
        }
    )
    project = load(root)
    assert [p.function_alias for p in project.parsers] == ["AOAIRequests", "AOAIRequests"]
    assert project.parsers[0].params[0].name == "lookback"
    assert codes(validate(root)) == [("aoai2.yaml", 7, "DAC304")]


def test_parser_schema_errors(make_project):
    root = make_project(
        {"parsers/bad.yaml": PARSER.replace("FunctionAlias: AOAIRequests", "FunctionAlias: AOAI-Requests")}
    )
    assert codes(validate(root)) == [("bad.yaml", 8, "DAC251")]


def test_selecting_a_watchlist_csv_validates_its_definition(make_project):
    root = make_project(
        {
            "watchlists/genai/watchlist.yaml": WATCHLIST,
            "watchlists/genai/genai.csv": "Domain\n\n,\n",
        }
    )
    result = validate(root, root / "watchlists/genai/genai.csv")
    assert result.files_checked == 1
    assert codes(result) == [("genai.csv", 3, "DAC250")]


def test_hunting_query_may_carry_a_severity(make_project):
    hunting = "id: 5d4c3b2a-1908-4766-8544-332211009988\nname: Hunt\ndescription: d\nseverity: Low\n"
    hunting += "tactics: [Impact]\nrelevantTechniques: [T1496]\nquery: AzureActivity | take 1\n"
    root = make_project({"hunting/h.yaml": hunting})
    assert validate(root).findings == []
    assert len(load(root).hunting) == 1


def test_ics_techniques_are_known(make_project):
    rule = valid_rule_text(
        **{
            "  - T1555\n": "  - T1555\n  - T0890\n",
            "  - CredentialAccess\n": ("  - CredentialAccess\n  - PrivilegeEscalation\n"),
        }
    )
    root = make_project({"detections/r.yaml": rule})
    assert validate(root).findings == []
