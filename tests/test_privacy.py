"""Pseudonymisation of recorded samples: no identifying value survives, joins and shapes do."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from helpers import FIXTURES
from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.engine.samples import read_sample_file
from sentinel_dac.errors import ConfigError
from sentinel_dac.privacy import KEY_ENV, Scrubber, load_key, scrub_file
from sentinel_dac.privacy.ipaddr import IpPseudonymiser, is_special
from sentinel_dac.privacy.report import MaskingReport
from sentinel_dac.privacy.secrets import redact_secrets

PRIVACY = FIXTURES / "privacy"
KEY = b"test-key-not-a-secret-0123456789"
FILES = {
    "mixed.AZKVAuditLogs.jsonl": "AZKVAuditLogs",
    "prompts.ApiManagementGatewayLlmLog.jsonl": "ApiManagementGatewayLlmLog",
}


def _scrub_all(tmp_path: Path, key: bytes = KEY) -> dict[str, str]:
    catalog = builtin_catalog()
    out = {}
    for name, table in FILES.items():
        scrub_file(PRIVACY / name, tmp_path / name, catalog.get(table), key)
        out[name] = (tmp_path / name).read_text()
    return out


def test_no_identifying_value_survives(tmp_path):
    scrubbed = "\n".join(_scrub_all(tmp_path).values())
    identifying = [v for v in (PRIVACY / "identifying.txt").read_text().splitlines() if v]
    assert len(identifying) > 25
    survivors = [v for v in identifying if v.casefold() in scrubbed.casefold()]
    assert survivors == []


def test_scrubbed_files_are_still_valid_samples_of_their_table(tmp_path):
    _scrub_all(tmp_path)
    catalog = builtin_catalog()
    for name, table in FILES.items():
        sample, findings = read_sample_file(tmp_path / name, name, catalog.get(table))
        assert findings == [] and len(sample.rows) == len((PRIVACY / name).read_text().splitlines())


def test_joins_survive_across_tables_and_case(tmp_path):
    out = _scrub_all(tmp_path)
    kv = [json.loads(line) for line in out["mixed.AZKVAuditLogs.jsonl"].splitlines()]
    llm = [json.loads(line) for line in out["prompts.ApiManagementGatewayLlmLog.jsonl"].splitlines()]
    assert kv[0]["CorrelationId"] == llm[0]["CorrelationId"]  # one GUID, one pseudonym, in both tables
    assert kv[0]["Identity"]["claim"]["upn"] == kv[2]["Identity"]["claim"]["upn"]  # Alice.Smith@ == ALICE.SMITH@
    assert kv[0]["Identity"]["claim"]["upn"] != kv[1]["Identity"]["claim"]["upn"]
    assert kv[0]["Identity"]["claim"]["upn"].split("@")[1] == kv[1]["Identity"]["claim"]["upn"].split("@")[1]
    vault = kv[0]["_ResourceId"].rsplit("/", 1)[1]
    assert kv[0]["RequestUri"].startswith(f"https://{vault}.vault.azure.net/secrets/")  # URI host == resource name
    assert "/providers/Microsoft.KeyVault/vaults/" in kv[0]["_ResourceId"]  # what rules match on is kept
    assert kv[0]["Identity"]["claim"]["upn"] in kv[0]["ResultDescription"]  # inline e-mail, same pseudonym


def test_prompts_keep_length_and_repetition_but_not_content(tmp_path):
    out = _scrub_all(tmp_path)
    original = [
        json.loads(line) for line in (PRIVACY / "prompts.ApiManagementGatewayLlmLog.jsonl").read_text().splitlines()
    ]
    scrubbed = [json.loads(line) for line in out["prompts.ApiManagementGatewayLlmLog.jsonl"].splitlines()]
    before, after = original[0]["RequestMessages"][1]["content"], scrubbed[0]["RequestMessages"][1]["content"]
    assert len(after) == len(before) and after != before
    assert scrubbed[1]["RequestMessages"][0]["content"] == after  # the same prompt twice: the same placeholder
    assert scrubbed[0]["RequestMessages"][0]["role"] == "system"  # structure and roles kept
    assert scrubbed[0]["PromptTokens"] == 120 and scrubbed[0]["ModelName"] == "gpt-4o"


def test_pseudonyms_depend_on_the_key(tmp_path):
    a = _scrub_all(tmp_path / "a", KEY)
    b = _scrub_all(tmp_path / "b", b"another-key-also-not-secret-42!!")
    assert a["mixed.AZKVAuditLogs.jsonl"] != b["mixed.AZKVAuditLogs.jsonl"]
    assert a == _scrub_all(tmp_path / "c", KEY)  # deterministic


@pytest.mark.parametrize(
    "pair",
    [
        ("10.1.2.3", "10.1.2.200"),
        ("192.168.7.1", "192.168.7.9"),
        ("8.8.8.8", "8.8.4.4"),
        ("2001:db8::1", "2001:db8::2"),
    ],
)
def test_ip_pseudonyms_preserve_prefixes(pair):
    ip = IpPseudonymiser(KEY)
    a, b = (ipaddress.ip_address(x) for x in pair)
    shared = _common_prefix(a, b)
    pa, pb = (ipaddress.ip_address(ip(str(x))) for x in (a, b))
    assert _common_prefix(pa, pb) == shared
    assert pa != a or pb != b


def test_private_stays_private_and_public_stays_public():
    ip = IpPseudonymiser(KEY)
    for i in range(2000):
        for text in (f"10.{i % 256}.{i // 256}.7", f"172.{16 + i % 16}.{i % 256}.1", f"192.168.{i % 256}.{i % 250}"):
            assert ipaddress.ip_address(ip(text)).is_private, text
        public = str(ipaddress.IPv4Address(0x08000000 + i * 2654435761 % 0xD0000000))
        if not is_special(public):
            assert not is_special(ip(public)), public
    assert ip("10.0.0.1").startswith("10.") and ip("192.168.1.1").startswith("192.168.")


def _common_prefix(a, b) -> int:
    x = int(a) ^ int(b)
    return a.max_prefixlen - x.bit_length()


def test_secrets_are_redacted_in_free_text():
    text = (
        "conn DefaultEndpointsProtocol=https;AccountName=st1;"
        "AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0dXY=;"
        " Authorization: Bearer abcdefghijklmnopqrstuvwx0123 ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
        " https://st1.blob.core.windows.net/c/b?sv=2022&sig=AbC%2Bdef123456"
    )
    out = redact_secrets(text)
    for secret in ("Zm9vYmFy", "abcdefghijklmnop", "ghp_aBcD", "AbC%2Bdef"):
        assert secret not in out
    assert redact_secrets("/openai/deployments/gpt4o/chat/completions") == "/openai/deployments/gpt4o/chat/completions"


def test_report_lists_what_was_masked_and_what_was_kept(tmp_path):
    report = scrub_file(
        PRIVACY / "mixed.AZKVAuditLogs.jsonl", tmp_path / "x.jsonl", builtin_catalog().get("AZKVAuditLogs"), KEY
    )
    data = report.to_dict()
    assert data["rows"] == 3
    assert data["masked"]["CallerIpAddress"] == {"ip": 3}
    assert data["masked"]["ResultDescription"]["secret:assignment"] == 1
    assert "OperationName" in data["kept"] and "CallerIpAddress" not in data["kept"]
    assert "left as is" in report.render()


def test_the_key_comes_from_the_environment_only():
    with pytest.raises(ConfigError, match=KEY_ENV):
        load_key({})
    with pytest.raises(ConfigError, match="too short"):
        load_key({KEY_ENV: "short"})
    assert load_key({KEY_ENV: "x" * 20}) == b"x" * 20


def test_bad_json_stops_the_scrub_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.AZKVAuditLogs.jsonl"
    bad.write_text('{"OperationName": "SecretGet"}\n{not json}\n')
    target = tmp_path / "out" / "bad.AZKVAuditLogs.jsonl"
    with pytest.raises(Exception, match=r"bad.AZKVAuditLogs.jsonl:2:2: DAC500"):
        scrub_file(bad, target, builtin_catalog().get("AZKVAuditLogs"), KEY)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_a_free_text_value_without_identities_is_kept():
    report = MaskingReport()
    assert Scrubber(KEY).text("Operation completed", "ResultDescription", None, report) == "Operation completed"
    assert report.total == 0


def test_cli_scrub_writes_the_file_and_the_report(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from sentinel_dac.cli import main

    source = tmp_path / "rec.AZKVAuditLogs.jsonl"
    source.write_text((PRIVACY / "mixed.AZKVAuditLogs.jsonl").read_text())
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    missing = runner.invoke(main, ["samples", "scrub", str(source)], env={KEY_ENV: ""})
    assert missing.exit_code == 1 and KEY_ENV in missing.output
    assert not (tmp_path / "rec.scrubbed.AZKVAuditLogs.jsonl").exists()
    result = runner.invoke(
        main, ["samples", "scrub", str(source), "--report", str(tmp_path / "r.json")], env={KEY_ENV: KEY.decode()}
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "rec.scrubbed.AZKVAuditLogs.jsonl"
    assert "10.20.30.40" not in out.read_text() and "CallerIpAddress: 3 ip" in result.output
    assert json.loads((tmp_path / "r.json").read_text())["rows"] == 3
    unknown = runner.invoke(main, ["samples", "scrub", str(PRIVACY / "identifying.txt")], env={KEY_ENV: KEY.decode()})
    assert unknown.exit_code == 1 and "DAC501 unknown table" in unknown.output
