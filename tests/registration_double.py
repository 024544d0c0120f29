"""A platform for Dynamic Registration tests: a real HTTP server on 127.0.0.1 serving an OpenID
configuration and a registration endpoint, whose answers a test can change (errors included)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@dataclass
class RegistrationPlatform:
    product_family_code: str = "moodle"
    config_status: int = 200
    config_override: dict[str, Any] | None = None
    register_status: int = 200
    register_body: Any = None  # None: a good answer with client_id and deployment_id
    expected_token: str = "reg-token-1"
    # Canvas's shape of the answer: deployment_id at the top level, not in the tool
    # configuration (canvas-lms app/controllers/lti/ims/dynamic_registration_controller.rb).
    canvas_answer: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    received_auth: list[str | None] = field(default_factory=list)
    client_counter: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def config_url(self) -> str:
        return self.origin + "/.well-known/openid-configuration"

    def configuration(self) -> dict[str, Any]:
        document = {
            "issuer": self.origin,
            "authorization_endpoint": self.origin + "/auth",
            "token_endpoint": self.origin + "/token",
            "jwks_uri": self.origin + "/jwks",
            "registration_endpoint": self.origin + "/register",
            "scopes_supported": [
                "openid",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            ],
            PLATFORM_CONFIGURATION: {
                "product_family_code": self.product_family_code,
                "version": "4.5",
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest"},
                ],
            },
        }
        if self.config_override is not None:
            document.update(self.config_override)
        return document

    def start(self) -> RegistrationPlatform:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, status: int, body: Any) -> None:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/.well-known/openid-configuration"):
                    self._send(double.config_status, double.configuration())
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                double.received.append(body)
                double.received_auth.append(self.headers.get("Authorization"))
                if double.register_body is not None or double.register_status != 200:
                    self._send(double.register_status, double.register_body or {})
                    return
                if self.headers.get("Authorization") != f"Bearer {double.expected_token}":
                    self._send(401, {"error": "invalid_token", "error_description": "bad token"})
                    return
                double.client_counter += 1
                answer = {
                    **body,
                    "client_id": f"client-{double.client_counter}",
                    TOOL_CONFIGURATION: {
                        **body.get(TOOL_CONFIGURATION, {}),
                        "deployment_id": f"deployment-{double.client_counter}",
                    },
                }
                if double.canvas_answer:
                    answer[TOOL_CONFIGURATION].pop("deployment_id")
                    answer["deployment_id"] = f"{double.client_counter}:abc123"
                self._send(200, answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
