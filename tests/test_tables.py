"""The table catalogue: built-in schemas normalised, project tables and extensions merged."""

from __future__ import annotations

import pytest

from helpers import load
from sentinel_dac.catalog.tables import STANDARD_COLUMNS, builtin_catalog, normalise_type, parse_table_file


def test_builtin_tables_are_normalised():
    cat = builtin_catalog()
    for name in ("AZKVAuditLogs", "AzureDiagnostics", "ApiManagementGatewayLlmLog", "SigninLogs", "AzureActivity"):
        table = cat.get(name)
        assert table is not None, name
        assert {c.type for c in table.columns} <= {
            "string",
            "int",
            "long",
            "real",
            "bool",
            "datetime",
            "dynamic",
            "timespan",
            "guid",
            "decimal",
        }
    # lower-case keys in the upstream file, and one column listed twice upstream
    assert cat.get("AADServicePrincipalSignInLogs").column("_ItemId") is not None
    assert [c.name for c in cat.get("AZFWThreatIntel").columns].count("_ResourceId") == 1


def test_fuller_docs_derived_schema_wins_over_upstream_subset():
    table = builtin_catalog().get("ApiManagementGatewayLogs")
    assert table.source.startswith("builtin:docs-derived/")
    assert table.column("BackendResponseCode") is not None


def test_file_name_wins_over_a_mislabelled_name():
    assert builtin_catalog().get("ThreatIntelligenceIndicator") is not None
    assert builtin_catalog().get("Malware_data_CL") is None


def test_every_table_has_the_standard_columns():
    for table in builtin_catalog().tables.values():
        for name, _ in STANDARD_COLUMNS:
            assert table.column(name) is not None, (table.name, name)


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("String", "string"),
        ("Object", "dynamic"),
        ("Boolean", "bool"),
        ("Double", "real"),
        ("BigInt", "long"),
        ("DateTime", "datetime"),
    ],
)
def test_type_aliases(raw, norm):
    assert normalise_type(raw) == norm


def test_project_tables_and_extensions(make_project):
    root = make_project(
        {
            "tables/MyApp_CL.json": '{"Name": "MyApp_CL", "Properties": [{"name": "User_s", "type": "String"}]}',
            "tables/AzureDiagnostics.openai.json": (
                '{"Name": "AzureDiagnostics", "Extends": true, "Source": "https://learn.microsoft.com/x",'
                ' "Properties": [{"Name": "myAppTrace_s", "Type": "string"}]}'
            ),
        }
    )
    project = load(root)
    assert project.findings == []
    assert project.catalog.get("MyApp_CL").column("User_s").type == "string"
    assert project.catalog.get("MyApp_CL").column("TimeGenerated").origin == "standard"
    assert project.catalog.get("AzureDiagnostics").column("myAppTrace_s").origin == "extension"
    assert builtin_catalog().get("AzureDiagnostics").column("myAppTrace_s") is None, "built-ins stay untouched"


def test_builtin_extension_adds_azure_openai_properties_s():
    """AzureDiagnostics is shared: Azure OpenAI's `properties_s` comes from a cited extension file."""
    table = builtin_catalog().get("AzureDiagnostics")
    column = table.column("properties_s")
    assert column is not None and column.type == "string" and column.origin == "extension"
    assert "extensions/AzureDiagnostics.cognitiveservices.json" in table.source
    assert table.column("CallerIPAddress").origin == "schema", "extension adds, never replaces"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not valid JSON"),
        ('{"Name": "T"}', "Properties"),
        ('{"Name": "T", "Properties": [{"Name": "a", "Type": "varchar"}]}', "unknown column type 'varchar'"),
        ('{"Name": "X", "Extends": true, "Properties": []}', "no schema defines"),
    ],
)
def test_bad_table_files_are_findings(make_project, text, words):
    root = make_project({"tables/T.json": text})
    project = load(root)
    assert len(project.findings) == 1 and words in project.findings[0].message
    assert project.findings[0].code == "DAC254"


def test_parse_table_file_keeps_order():
    tf = parse_table_file(
        '{"Name": "T", "Properties": [{"Name": "b", "Type": "int"}, {"Name": "a", "Type": "long"}]}', "x"
    )
    assert [c.name for c in tf.columns] == ["b", "a"]


def test_extension_may_correct_types_only_when_it_says_so(make_project):
    base = builtin_catalog().get("AzureActivity")
    assert base.column("Properties_d").type == "dynamic", "built-in extension corrects the upstream subset"
    assert base.column("ActivitySubstatusValue").origin == "extension"
    root = make_project(
        {
            "tables/T.json": '{"Name": "T", "Properties": [{"Name": "a", "Type": "string"}]}',
            "tables/T.ext.json": '{"Name": "T", "Extends": true, "Properties": [{"Name": "a", "Type": "long"}]}',
            "tables/U.json": '{"Name": "U", "Properties": [{"Name": "a", "Type": "string"}]}',
            "tables/U.ext.json": (
                '{"Name": "U", "Extends": true, "Overrides": true, "Properties": [{"Name": "a", "Type": "long"}]}'
            ),
        }
    )
    project = load(root)
    assert project.catalog.get("T").column("a").type == "string"
    assert project.catalog.get("U").column("a").type == "long"
