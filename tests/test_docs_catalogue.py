"""`sentinel-dac docs`: deterministic rule pages; `--check` fails on stale, missing or orphaned pages."""

from __future__ import annotations

from click.testing import CliRunner

from gitrepo import Repo, rule
from sentinel_dac.cli import main
from sentinel_dac.lifecycle.catalogue import MARKER, tunables

QUERY = """// reads one caller may make per hour
let Threshold = 25;
let Allowed = dynamic(["a", "b"]);
let Lookup = AZKVAuditLogs | take 1;
AZKVAuditLogs
| summarize Reads = count() by CallerIpAddress
| where Reads > Threshold
"""
CASES = """cases:
  - name: burst fires
    kind: positive
    description: 30 reads from one address
    now: 2024-05-01T12:00:00Z
    samples:
      - table: AZKVAuditLogs
        rows: [{TimeGenerated: 2024-05-01T11:10:00Z, CallerIpAddress: 203.0.113.7}]
"""


def run(root, *args):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def test_tunables_are_scalar_lets_with_their_comment():
    found = tunables(QUERY)
    assert [(t.name, t.value, t.comment) for t in found] == [
        ("Threshold", "25", "reads one caller may make per hour"),
        ("Allowed", 'dynamic(["a", "b"])', ""),
    ]


def test_docs_write_check_and_stale(tmp_path):
    repo = Repo(tmp_path)
    repo.write("detections/kv/reads.yaml", rule(query=QUERY, name="Many reads"))
    repo.write("detections/kv/reads.tests.yaml", CASES)
    repo.write("detections/kv/reads.meta.yaml", "atlas: [AML.T0034]\nprerequisites: [Key Vault audit logs]\n")
    repo.write("docs/rules/handwritten.md", "# notes kept by people\n")
    check = run(repo.root, "docs", "--check")
    assert check.exit_code == 1 and "docs/rules/detections/kv/reads.md: DAC820 generated page missing" in check.output
    assert run(repo.root, "docs").exit_code == 0
    page = repo.read("docs/rules/detections/kv/reads.md")
    assert page.startswith(MARKER) and "# Many reads" in page
    assert "| `Threshold` | `25` | reads one caller may make per hour |" in page
    assert "| burst fires | positive | 30 reads from one address |" in page
    assert "- T1555 Credentials from Password Stores" in page and "- ATLAS AML.T0034 Cost Harvesting" in page
    assert "```kusto\n// reads one caller" in page
    assert "[Many reads](detections/kv/reads.md)" in repo.read("docs/rules/README.md")
    assert run(repo.root, "docs", "--check").exit_code == 0
    assert run(repo.root, "docs").output == ""  # idempotent: nothing rewritten
    # a content change makes the page stale
    repo.write("detections/kv/reads.yaml", rule(query=QUERY.replace("25", "40"), name="Many reads"))
    check = run(repo.root, "docs", "--check")
    assert check.exit_code == 1 and "reads.md: DAC820 generated page out of date" in check.output
    # a removed rule's page is reported, then deleted; hand-written files are never touched
    repo.remove("detections/kv/reads.yaml")
    repo.remove("detections/kv/reads.tests.yaml")
    repo.remove("detections/kv/reads.meta.yaml")
    check = run(repo.root, "docs", "--check")
    assert "reads.md: DAC820 page for content that no longer exists" in check.output
    result = run(repo.root, "docs")
    assert "removed docs/rules/detections/kv/reads.md" in result.output
    assert repo.read("docs/rules/handwritten.md") == "# notes kept by people\n"
