"""A platform's LTI Advantage services as a test double: a real HTTP server on 127.0.0.1 that
answers each request path (with its query string, exactly as sent) from a table the test fills,
issues access tokens at /token, and records every request it saw."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Seen:
    method: str
    path: str  # path and query string, byte for byte
    headers: dict[str, str]
    body: str


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ServiceDouble:
    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    tokens_issued: int = 0
    token_expires_in: int = 3600
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Answer `method path` with these replies in turn (the last one repeats)."""
        self.routes[(method, path)] = list(replies)

    def start(self) -> ServiceDouble:
        double = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                double.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                if self.command == "POST" and self.path == "/token":
                    double.tokens_issued += 1
                    scope = parse_qs(body).get("scope", [""])[0]
                    reply = Reply(
                        body={
                            "access_token": f"token-{double.tokens_issued}",
                            "token_type": "Bearer",
                            "expires_in": double.token_expires_in,
                            "scope": scope,
                        }
                    )
                else:
                    replies = double.routes.get((self.command, self.path))
                    if not replies:
                        reply = Reply(404, {"error": f"no route for {self.command} {self.path}"})
                    else:
                        reply = replies.pop(0) if len(replies) > 1 else replies[0]
                data = json.dumps(reply.body).encode() if reply.body is not None else b""
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _handle  # noqa: N815 - http.server's naming

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
