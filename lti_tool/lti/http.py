"""One place for outgoing HTTP to platforms: timeout and a User-Agent on every call
(Canvas rejects service calls without one)."""

from __future__ import annotations

import requests

USER_AGENT = "Coproduce-LTI-Tool/0.1 (+https://www.imsglobal.org/spec/lti/v1p3)"


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session
