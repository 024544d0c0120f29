"""A test platform: its own RSA keys, and a real HTTP server on 127.0.0.1 serving its JWKS.

Nothing is mocked: the tool fetches these keys over HTTP, as it would from Canvas or Moodle, and
tests can make the server rotate keys, fail, or go away.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.lti.keys import public_jwk_of, rfc7638_thumbprint


@dataclass
class PlatformKey:
    private: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls) -> PlatformKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(private=private, kid=rfc7638_thumbprint(public_jwk_of(private)))

    @property
    def jwk(self) -> dict[str, str]:
        return {**public_jwk_of(self.private), "kid": self.kid, "alg": "RS256", "use": "sig"}

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class JwksServer:
    """Serves {"keys": [...]} for `published`; `status` other than 200 simulates an outage."""

    published: list[PlatformKey] = field(default_factory=list)
    status: int = 200
    body: str | None = None  # raw body override (e.g. not JSON)
    hits: int = 0
    delay: float = 0.0  # seconds before answering (to overlap concurrent fetches)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/jwks.json"

    def start(self) -> JwksServer:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                double.hits += 1
                if double.delay:
                    time.sleep(double.delay)
                payload = double.body
                if payload is None:
                    payload = json.dumps({"keys": [k.jwk for k in double.published]})
                data = payload.encode()
                self.send_response(double.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def reset(self, keys: list[PlatformKey]) -> None:
        self.published = list(keys)
        self.status = 200
        self.body = None
        self.hits = 0
        self.delay = 0.0

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
