"""Calling a platform's LTI Advantage services (AGS, NRPS): the platform as plain values, the
errors a call can end in, and a client that adds the access token and refreshes it once on 401.

Service calls run outside web requests too (the outbox worker, the CLI), so nothing here reads
`flask.request`; the worker's concurrent score posts use `send` directly, with no database.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from lti_tool.lti.access_tokens import access_token
from lti_tool.lti.http import new_session
from lti_tool.lti.links import links_of
from lti_tool.models import Platform


@dataclass(frozen=True)
class PlatformRef:
    """What a service call needs to know about a registration, detached from the session."""

    id: int
    issuer: str
    client_id: str
    token_url: str
    audience: str | None
    product_family: str

    @classmethod
    def of(cls, platform: Platform) -> PlatformRef:
        return cls(
            id=platform.id,
            issuer=platform.issuer,
            client_id=platform.client_id,
            token_url=platform.auth_token_url,
            audience=platform.auth_audience,
            product_family=platform.product_family,
        )


# Statuses worth trying again later: the platform is slow, busy, or briefly broken.
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class ServiceError(Exception):
    """A service call that did not succeed. `status` is None when no answer came at all."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        retry_after: float | None = None,
        during: str = "service",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.retry_after = retry_after
        self.during = during  # "token" or "service"

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUSES or self.status == 401

    @classmethod
    def of_response(cls, response: requests.Response, during: str = "service") -> ServiceError:
        body = response.text[:500] if response.content else ""
        return cls(
            f"{response.request.method} {response.url} answered {response.status_code}",
            status=response.status_code,
            body=body,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            during=during,
        )


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class Answer:
    """A service call's answer, or the network failure that stood in for one."""

    status: int | None
    headers: Mapping[str, str]
    text: str
    error: str | None = None
    # The status line's reason phrase: Moodle's AGS puts its refusal there, with "[]" as the
    # body (mod/lti/classes/local/ltiservice/response.php).
    reason: str = ""


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    token: str,
    timeout: float,
    accept: str | None = None,
    content_type: str | None = None,
    body: Any = None,
    params: Mapping[str, str] | None = None,
) -> Answer:
    """One authorised call; never raises for HTTP or network failures (thread-safe, no DB)."""
    headers = {"Authorization": f"Bearer {token}"}
    if accept:
        headers["Accept"] = accept
    if content_type:
        headers["Content-Type"] = content_type
    try:
        response = session.request(
            method, url, headers=headers, json=body, params=params, timeout=timeout
        )
    except requests.RequestException as exc:
        return Answer(status=None, headers={}, text="", error=f"{type(exc).__name__}: {exc}")
    return Answer(
        status=response.status_code,
        headers=response.headers,
        text=response.text,
        reason=response.reason or "",
    )


class PlatformClient:
    """Sequential service calls to one platform with a cached access token for `scopes`."""

    def __init__(
        self,
        platform: PlatformRef,
        scopes: Sequence[str],
        *,
        keys_dir: Path,
        timeout: float,
        session: requests.Session | None = None,
    ) -> None:
        self.platform = platform
        self.scopes = tuple(sorted(set(scopes)))
        self.keys_dir = keys_dir
        self.timeout = timeout
        self.session = session or new_session()
        self._token: str | None = None

    def token(self, *, replacing: str | None = None) -> str:
        """The access token; with `replacing`, a fresh one unless another process already
        replaced that token."""
        if self._token is None or replacing is not None:
            self._token = access_token(
                self.platform,
                self.scopes,
                keys_dir=self.keys_dir,
                session=self.session,
                timeout=self.timeout,
                replacing=replacing,
            )
        return self._token

    def call(
        self,
        method: str,
        url: str,
        *,
        accept: str | None = None,
        content_type: str | None = None,
        body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer:
        """A call that must succeed (2xx); a 401 gets one fresh token and one more try."""
        token = self.token()
        kwargs = {
            "token": token,
            "timeout": self.timeout,
            "accept": accept,
            "content_type": content_type,
            "body": body,
            "params": params,
        }
        answer = send(self.session, method, url, **kwargs)  # type: ignore[arg-type]
        if answer.status == 401:
            kwargs["token"] = self.token(replacing=token)
            answer = send(self.session, method, url, **kwargs)  # type: ignore[arg-type]
        if answer.status is None:
            raise ServiceError(f"{method} {url} failed: {answer.error}")
        if not 200 <= answer.status < 300:
            raise ServiceError(
                f"{method} {url} answered {answer.status}",
                status=answer.status,
                body=answer.text[:500],
                retry_after=retry_after_seconds(answer.headers.get("Retry-After")),
            )
        return answer

    def pages(
        self, url: str, *, accept: str, params: Mapping[str, str] | None = None
    ) -> Iterator[tuple[Any, dict[str, str]]]:
        """Each page's JSON and its Link relations, following rel="next" to the end. Query
        parameters go on the first request only: a next URL already carries what it needs."""
        seen: set[str] = set()
        next_url: str | None = url
        first = True
        while next_url:
            if next_url in seen:  # a platform that links a page to itself must not loop us
                break
            seen.add(next_url)
            answer = self.call("GET", next_url, accept=accept, params=params if first else None)
            first = False
            links = links_of(answer.headers)
            try:
                document = json.loads(answer.text) if answer.text else None
            except ValueError as exc:
                raise ServiceError(
                    f"GET {next_url} did not answer JSON", status=answer.status
                ) from exc
            yield document, links
            next_url = links.get("next")
