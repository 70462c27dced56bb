"""The analysis API other steps use: output schema, references, time facts, offsets, loading."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.kql import FunctionDecl, Functions, Param, analyze, load
from sentinel_dac.kql.runtime import dotnet_root


def test_output_schema_and_references():
    a = analyze(
        "AZKVAuditLogs | where OperationName == 'SecretGet' "
        "| summarize Reads = count(), First = min(TimeGenerated) by CallerIpAddress",
        builtin_catalog(),
    )
    assert a.ok and a.diagnostics == ()
    assert a.output == {"CallerIpAddress": "string", "Reads": "long", "First": "datetime"}
    assert not a.output_open and a.outputs("Reads") is True and a.outputs("Nope") is False
    assert a.tables == {"AZKVAuditLogs"}
    assert {"OperationName", "TimeGenerated", "CallerIpAddress"} <= a.columns
    assert {"count", "min"} <= a.functions
    assert a.aggregates


def test_diagnostic_offsets_index_the_query():
    q = "AZKVAuditLogs | where OperationNme == 'x' | extend y = nofunc(1)"
    a = analyze(q, builtin_catalog())
    assert [(d.kind.value, q[d.start : d.end]) for d in a.diagnostics] == [
        ("unknown-name", "OperationNme"),
        ("unknown-function", "nofunc"),
    ]


def test_unknown_table_makes_the_output_unknowable():
    a = analyze("NoSuchTable | project A", builtin_catalog())
    assert [d.code for d in a.errors] == ["KS204"]
    assert a.output_open and a.outputs("A") is True and a.outputs("AnythingElse") is None


def test_time_filters_and_functions():
    fn = Functions(
        watchlists=(("vip", ("Upn",)),),
        functions=(
            FunctionDecl(("KvReads",), (Param("since", "timespan", "1d"),), "AZKVAuditLogs | project Caller = 1"),
        ),
    )
    q = textwrap.dedent(
        """\
        let window = 3h;
        KvReads(1h)
        | join (_GetWatchlist('vip')) on $left.Caller == $right.Upn
        | where TimeGenerated > ago(window) and ingestion_time() > ago(5m)
        """
    )
    a = analyze(q, builtin_catalog(), fn)
    assert {(t.column, t.lookback) for t in a.time_filters} == {
        ("TimeGenerated", timedelta(hours=3)),
        ("ingestion_time()", timedelta(minutes=5)),
    }
    assert [(w.alias, w.known, q[w.start : w.start + w.length]) for w in a.watchlists] == [("vip", True, "'vip'")]
    assert "KvReads" in a.functions


def test_parser_parameters_are_in_scope_only_when_declared():
    body = "AZKVAuditLogs | where TimeGenerated > ago(since)"
    assert not analyze(body, builtin_catalog()).ok
    assert analyze(body, builtin_catalog(), params=(Param("since", "timespan"),)).ok


def test_runtime_is_loaded_once_from_the_bundled_dotnet():
    first, second = load(), load()
    assert first is second and first.startup_seconds > 0
    root = dotnet_root()
    assert root.name == ".net" and (root / "host" / "fxr").is_dir() and "site-packages" in str(root)


def test_validate_fails_loudly_when_the_parser_cannot_load(tmp_path):
    """In a fresh process whose kustology import fails: exit 1 and a clear message; --no-kql still works."""
    (tmp_path / "sentinel-dac.yaml").write_text("require_cases: false\n")
    rule = (tmp_path / "detections").mkdir() or tmp_path / "detections" / "r.yaml"
    from helpers import valid_rule_text

    rule.write_text(valid_rule_text())
    script = (
        "import sys; sys.modules['kustology'] = None\n"
        "from sentinel_dac.cli import main\n"
        "main(sys.argv[1:], prog_name='sentinel-dac')\n"
    )
    broken = subprocess.run(
        [sys.executable, "-c", script, "--project", str(tmp_path), "validate"], capture_output=True, text=True
    )
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "Kusto.Language" in broken.stderr and "--no-kql" in broken.stderr
    assert "Traceback" not in broken.stderr
    skipped = subprocess.run(
        [sys.executable, "-c", script, "--project", str(tmp_path), "validate", "--no-kql"],
        capture_output=True,
        text=True,
    )
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr


def test_parser_signatures_render_yaml_defaults_as_kql():
    decl = FunctionDecl(
        ("P",),
        (
            Param("src", "string", "*"),
            Param("quoted", "string", "'x'"),
            Param("flag", "bool", "False"),
            Param("start", "datetime", "datetime(null)"),
            Param("events", "table:(*)"),
        ),
        "events | where x == src",
    )
    assert decl.signature() == (
        "(src:string = '*', quoted:string = 'x', flag:bool = false, start:datetime = datetime(null), events:(*))"
    )
    fn = Functions(functions=(decl,))
    a = analyze("P(events=AZKVAuditLogs, src='10.0.0.1') | project CallerIpAddress", builtin_catalog(), fn)
    assert a.ok, a.diagnostics


def test_warning_and_analyzer_failure_diagnostics_map_to_their_codes():
    from sentinel_dac.content.yamlsrc import Pos
    from sentinel_dac.findings import Level
    from sentinel_dac.kql import Analysis, Diagnostic, DiagnosticKind
    from sentinel_dac.validate.kql_checks import QuerySource, diagnostic_findings

    analysis = Analysis(
        query="T | x",
        diagnostics=(
            Diagnostic("KS999", DiagnosticKind.SEMANTIC, "warning", "something odd", 4, 1),
            Diagnostic("KUSTOLOGY001", DiagnosticKind.ANALYZER_FAILURE, "error", "analyzer failed", 0, 0),
        ),
        tables=frozenset(),
        columns=frozenset(),
        functions=frozenset(),
        output=None,
        output_open=True,
    )
    source = QuerySource("r.yaml", "query", lambda offset: Pos(10, 3 + offset))
    found = [(f.code, f.line, f.column, f.level) for f in diagnostic_findings(analysis, source, Functions())]
    assert found == [("DAC405", 10, 7, Level.WARNING), ("DAC407", 10, 3, Level.ERROR)]


def test_a_failure_inside_kusto_language_becomes_a_diagnostic_not_a_traceback(monkeypatch):
    from sentinel_dac.kql import facts

    def boom(*_):
        raise RuntimeError("binder exploded")

    monkeypatch.setattr(facts, "collect", boom)
    a = analyze("AZKVAuditLogs", builtin_catalog())
    assert [(d.kind.value, d.severity) for d in a.diagnostics] == [("analyzer-failure", "error")]
    assert "RuntimeError" in a.diagnostics[0].message and a.output is None
