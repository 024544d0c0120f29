"""A real SMTP server (aiosmtpd) on a free local port: it keeps every message it accepts and
refuses (550) any recipient whose address starts with "refused" and answers "try later" (451)
to those starting with "busy"."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Sink:
    messages: list[Message] = field(default_factory=list)
    refused_attempts: list[str] = field(default_factory=list)
    busy_attempts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("busy"):
            with self.lock:
                self.busy_attempts.append(address)
            return "451 4.3.0 Try again later"
        if address.startswith("refused"):
            with self.lock:
                self.refused_attempts.append(address)
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_sink():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


@pytest.fixture
def app(make_app, smtp_sink):
    _, port = smtp_sink
    return make_app(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_TLS="none",
        MAIL_FROM="Coproduce <coproduce@tool.example>",
        OUTBOX_INPROCESS_WORKER=False,
    )
