"""Synthetic, valid content for benchmarks: many distinct rules from one template."""

from __future__ import annotations

import uuid
from pathlib import Path

TEMPLATE = """\
id: {id}
name: Synthetic rule {n:05d}
description: |
  Synthetic benchmark rule {n}: counts Key Vault secret reads per caller.
severity: {severity}
kind: Scheduled
requiredDataConnectors:
  - connectorId: AzureKeyVault
    dataTypes:
      - AZKVAuditLogs
queryFrequency: {freq}h
queryPeriod: {period}h
triggerOperator: gt
triggerThreshold: {threshold}
tactics:
  - CredentialAccess
  - Discovery
relevantTechniques:
  - T1555
  - T1552.001
  - T1087
query: |
  let threshold = {threshold};
  AZKVAuditLogs
  | where OperationName == "SecretGet" and ResultSignature == "OK"
  | summarize Reads = count(), Vaults = dcount(_ResourceId) by CallerIpAddress, Caller = tostring(Identity)
  | where Reads > threshold
entityMappings:
  - entityType: IP
    fieldMappings:
      - identifier: Address
        columnName: CallerIpAddress
  - entityType: Account
    fieldMappings:
      - identifier: FullName
        columnName: Caller
customDetails:
  SecretReads: Reads
  Vaults: Vaults
alertDetailsOverride:
  alertDisplayNameFormat: "{{{{Caller}}}} read {{{{Reads}}}} secrets"
eventGroupingSettings:
  aggregationKind: AlertPerResult
version: 1.0.{n}
"""


def write_rules(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        text = TEMPLATE.format(
            id=uuid.UUID(int=n + 1, version=4),
            n=n,
            severity=("Low", "Medium", "High")[n % 3],
            freq=1 + n % 6,
            period=6 + n % 18,
            threshold=n % 50,
        )
        path = folder / f"family{n % 10}" / f"rule_{n:05d}.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        paths.append(path)
    return paths
