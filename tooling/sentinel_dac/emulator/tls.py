"""A local certificate authority and a server certificate for 127.0.0.1 (trustme).

The Azure SDKs refuse bearer tokens over plain http, so the emulator speaks HTTPS; clients trust
it through the CA bundle written here (REQUESTS_CA_BUNDLE / SSL_CERT_FILE, or
`connection_verify=` on an SDK client).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Certificates:
    ca_path: Path
    context: ssl.SSLContext


def make_certificates(folder: Path) -> Certificates:
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="sentinel-dac emulator")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    ca_path = folder / "emulator-ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return Certificates(ca_path, ctx)
