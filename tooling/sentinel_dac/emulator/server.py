"""The emulator's HTTPS server: ARM endpoints, a token endpoint, and the Log Analytics query API.

`Emulator` is what tests and `sentinel-dac emulate` start. It listens on 127.0.0.1 only, serves
HTTPS with a throw-away CA (so the Azure SDKs' bearer-token policy works), issues tokens to any
client credential through an OpenID-style authority (`AZURE_AUTHORITY_HOST`), and answers every
ARM and query request only with one of its tokens. Faults (throttling, errors, latency, dropped
connections) are injected before a request is served.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .faults import FaultConfig, FaultInjector
from .http import ArmError, Request, Response
from .query import DuckDbKqlEngine, QueryEngine
from .query_api import query as run_query
from .router import route
from .state import Settings, State
from .tls import make_certificates
from .workspace import EmulatedWorkspace

CLIENT_ID = "sentinel-dac-emulator"
CLIENT_SECRET = "emulator-not-a-secret"
FAULT_CODES = {429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable"}


@dataclass(frozen=True)
class Logged:
    method: str
    path: str
    status: int | None
    """None when the connection was dropped."""


class Emulator:
    def __init__(
        self,
        workspaces: list[EmulatedWorkspace],
        settings: Settings | None = None,
        faults: FaultConfig | None = None,
        engine: QueryEngine | None = None,
        cert_dir: Path | None = None,
    ):
        self.state = State(workspaces, settings or Settings())
        self.faults = FaultInjector(faults or FaultConfig())
        self.engine: QueryEngine = engine or DuckDbKqlEngine()
        self.tenant_id = workspaces[0].tenant_id if workspaces else "00000000-0000-0000-0000-0000000000aa"
        self.requests: list[Logged] = []
        self._tokens: dict[str, str] = {}
        """Issued token → the tenant it was issued for."""
        self._cert_dir = cert_dir
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self, port: int = 0) -> Emulator:
        if self._cert_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="sentinel-dac-emulator-")
            self._cert_dir = Path(self._tmp.name)
        certs = make_certificates(Path(self._cert_dir))
        self.ca_path = certs.ca_path
        server = _Server(("127.0.0.1", port), _Handler)
        server.socket = certs.context.wrap_socket(server.socket, server_side=True)
        server.emulator = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="sentinel-dac-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        close = getattr(self.engine, "close", None)
        if close is not None:
            close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI)."""
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    # -- what clients need ---------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "the emulator is not running"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def logs_endpoint(self) -> str:
        return f"{self.base_url}/v1"

    def env(self) -> dict[str, str]:
        """Environment settings that point the CLI, azure-identity and the SDKs at the emulator."""
        return {
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            "SSL_CERT_FILE": str(self.ca_path),
            "AZURE_AUTHORITY_HOST": self.base_url,
            "AZURE_TENANT_ID": self.tenant_id,
            "AZURE_CLIENT_ID": CLIENT_ID,
            "AZURE_CLIENT_SECRET": CLIENT_SECRET,
            "SENTINEL_DAC_ARM_ENDPOINT": self.base_url,
            "SENTINEL_DAC_LOGS_ENDPOINT": self.logs_endpoint,
        }

    def credential(self, **kwargs: Any):
        """An azure-identity credential that gets its tokens from this emulator."""
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(
            self.tenant_id,
            CLIENT_ID,
            CLIENT_SECRET,
            authority=self.base_url,
            disable_instance_discovery=True,
            connection_verify=str(self.ca_path),
            **kwargs,
        )

    def add_rows(self, workspace: EmulatedWorkspace, table: str, rows: list[dict[str, Any]]) -> None:
        """Append log rows to a workspace table (a test's "data arrived"); queries see them at once."""
        info = workspace.table(table)
        if info is None:
            raise KeyError(f"workspace '{workspace.ref.workspace_name}' has no table '{table}'")
        with self.state.lock:
            workspace.samples.setdefault(info.name, []).extend(rows)
        reset = getattr(self.engine, "reset", None)
        if reset is not None:
            reset(workspace)

    # -- serving -------------------------------------------------------------------
    def issue_token(self, tenant: str | None = None) -> str:
        token = "emulator." + secrets.token_urlsafe(24)
        self._tokens[token] = (tenant or self.tenant_id).lower()
        return token

    def authorised(self, header: str | None) -> bool:
        return bool(header) and header.startswith("Bearer ") and header[7:] in self._tokens

    def token_tenants(self) -> set[str]:
        """Every tenant a token was issued for (tests of multi-tenant runs)."""
        return set(self._tokens.values())

    def token_tenant(self, header: str) -> str:
        return self._tokens.get(header[7:], "")

    def wrong_tenant(self, header: str, path: str) -> str | None:
        """The tenant a request's resource belongs to, when its token was issued for another one.

        ARM answers such a request 401 InvalidAuthenticationTokenTenant: a token is only good in
        its own tenant (Azure Lighthouse delegations aside, which the emulator does not model).
        """
        expected = self.state.tenant_of_path(path)
        return expected if expected and expected != self.token_tenant(header) else None

    def dispatch(self, req: Request) -> Response:
        try:
            if req.path.startswith("/v1/workspaces/"):
                return run_query(self, req)
            if req.path.startswith("/_emulator/operations/"):
                return self._operation(req.path.rsplit("/", 1)[-1])
            with self.state.lock:
                return route(self.state, req)
        except ArmError as exc:
            return exc.response()

    def _operation(self, op_id: str) -> Response:
        with self.state.lock:
            op = self.state.operations.get(op_id)
            if op is None:
                raise ArmError(404, "NotFound", f"Operation '{op_id}' was not found.")
            if op.status == "InProgress":
                op.remaining -= 1
                if op.remaining < 0:
                    op.status = "Succeeded"
            return Response(200, {"id": op.id, "name": op.id, "status": op.status}, {"Retry-After": "0"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: Emulator

    def handle_error(self, request, client_address) -> None:  # a dropped client is not an error worth a traceback
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def _serve(self) -> None:
        emu = self.server.emulator
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self._auth_endpoint(url.path, raw):
            return
        decision = emu.faults.decide()
        if decision.delay:
            time.sleep(decision.delay)
        if decision.drop:
            emu.requests.append(Logged(self.command, url.path, None))
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if decision.status:
            c = emu.faults.config
            headers = {"Retry-After": str(c.retry_after)} if decision.status in (429, 503) else {}
            code = FAULT_CODES[decision.status]
            self._send(
                Response(decision.status, {"error": {"code": code, "message": f"Injected fault: {code}."}}, headers),
                url.path,
            )
            return
        if not emu.authorised(self.headers.get("Authorization")):
            self._send(
                Response(
                    401,
                    {
                        "error": {
                            "code": "AuthenticationFailed",
                            "message": "Authentication failed: no valid bearer token from the emulator.",
                        }
                    },
                    {
                        "WWW-Authenticate": (
                            f'Bearer authorization_uri="{emu.base_url}/{emu.tenant_id}", error="invalid_token"'
                        )
                    },
                ),
                url.path,
            )
            return
        wrong = emu.wrong_tenant(self.headers.get("Authorization", ""), url.path)
        if wrong:
            self._send(
                Response(
                    401,
                    {
                        "error": {
                            "code": "InvalidAuthenticationTokenTenant",
                            "message": f"The access token is from the wrong issuer. It must match the tenant "
                            f"'{wrong}' associated with this resource.",
                        }
                    },
                ),
                url.path,
            )
            return
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError as exc:
            self._send(
                ArmError(
                    400,
                    "InvalidRequestContent",
                    f"The request content was invalid and could not be deserialized: {exc}",
                ).response(),
                url.path,
            )
            return
        req = Request(
            self.command,
            url.path,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            emu.base_url,
        )
        self._send(emu.dispatch(req), url.path)

    def _auth_endpoint(self, path: str, raw: bytes) -> bool:
        """The OpenID configuration and token endpoint a ClientSecretCredential talks to."""
        emu = self.server.emulator
        parts = path.strip("/").split("/")
        if path.endswith("/.well-known/openid-configuration") and parts:
            tenant = parts[0]
            base = f"{emu.base_url}/{tenant}"
            self._send(
                Response(
                    200,
                    {
                        "issuer": f"{base}/v2.0",
                        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                        "token_endpoint": f"{base}/oauth2/v2.0/token",
                        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                        "tenant_region_scope": None,
                    },
                ),
                path,
            )
            return True
        if path.endswith("/oauth2/v2.0/token") and self.command == "POST":
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
            if form.get("grant_type") != "client_credentials" or not form.get("client_id"):
                self._send(
                    Response(
                        400,
                        {
                            "error": "unsupported_grant_type",
                            "error_description": "the emulator issues client-credential tokens only",
                        },
                    ),
                    path,
                )
                return True
            token = emu.issue_token(parts[0] if parts else None)
            self._send(
                Response(
                    200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
                ),
                path,
            )
            return True
        return False

    def _send(self, resp: Response, path: str) -> None:
        self.server.emulator.requests.append(Logged(self.command, path, resp.status))
        data = b"" if resp.body is None else json.dumps(resp.body).encode("utf-8")
        self.send_response(resp.status)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-request-id", secrets.token_hex(8))
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)
