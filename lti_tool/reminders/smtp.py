"""Sending mail over SMTP with the standard library (smtplib, email): one connection for a
batch, TLS as configured, and the server's answer sorted into refused for good (5xx: the
address is recorded and never tried again) or not now (4xx, or the server unreachable).

SMTP reply classes: RFC 5321 §4.2.1 (5yz permanent, 4yz transient).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from lti_tool.settings import Settings

TLS_MODES = ("none", "starttls", "tls")


class MailRefused(Exception):
    """The server refused the recipient or the message permanently (5xx)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code, self.message = code, message


class MailUnavailable(Exception):
    """Not sent now: the server is unreachable, or answered 4xx; a later run may try again."""


def enabled(settings: Settings) -> bool:
    return bool(settings.SMTP_HOST.strip())


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


class MailConnection:
    """`with MailConnection(settings) as mail: mail.send(message)`; connects on first send."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        if settings.SMTP_TLS not in TLS_MODES:
            raise MailUnavailable(f"SMTP_TLS must be one of {', '.join(TLS_MODES)}")
        self.settings, self.timeout = settings, timeout
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> MailConnection:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        try:
            if s.SMTP_TLS == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.SMTP_HOST, s.SMTP_PORT, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(s.SMTP_HOST, s.SMTP_PORT, timeout=self.timeout)
            if s.SMTP_TLS == "starttls":
                smtp.starttls(context=context)
            if s.SMTP_USERNAME:
                smtp.login(s.SMTP_USERNAME, s.SMTP_PASSWORD)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailUnavailable(f"mail server {s.SMTP_HOST}:{s.SMTP_PORT}: {exc}") from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            if code >= 500:
                raise MailRefused(code, _text(text)) from exc
            raise MailUnavailable(f"{code} {_text(text)}") from exc
        except smtplib.SMTPSenderRefused as exc:  # our MAIL_FROM: not the address's fault
            raise MailUnavailable(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:  # e.g. 550 after DATA
            self.close()
            if exc.smtp_code >= 500:
                raise MailRefused(exc.smtp_code, _text(exc.smtp_error)) from exc
            raise MailUnavailable(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailUnavailable(str(exc) or exc.__class__.__name__) from exc
        if refused:  # one recipient per message: a partial refusal is that recipient's
            code, text = next(iter(refused.values()))
            raise MailRefused(code, _text(text))

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None
