"""Launch and login failures: each has a stable code, a plain message and an HTTP status.

The code is what a user reads out to support and what a log search finds; the message is what
the user sees inside the LMS iframe. The cause (an exception text, a claim value) is only logged.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LtiError(Exception):
    code: str
    message: str
    status: int = 400
    cause: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message} ({self.cause})" if self.cause else self.code


def bad_request(code: str, message: str, cause: str = "") -> LtiError:
    return LtiError(code, message, 400, cause)


def unauthorized(code: str, message: str, cause: str = "") -> LtiError:
    return LtiError(code, message, 401, cause)


def forbidden(code: str, message: str, cause: str = "") -> LtiError:
    return LtiError(code, message, 403, cause)


def upstream_failed(code: str, message: str, cause: str = "") -> LtiError:
    # 424 Failed Dependency: the request was fine, the platform we depend on did not answer.
    return LtiError(code, message, 424, cause)
