"""Links for pages that list many rows: `url_for` once per endpoint, then the row's id filled in.

A class page with a link or form per student called `url_for` thousands of times per render (it
was most of the time a 5,000-student page took). A link maker builds the URL once with a marker
in place of the id. GET links still get a fresh single-use link ticket each (auth.launch_token:
a shared ticket would be spent by the first link followed); form actions need none, since a form
posts the session token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for

from lti_tool.auth import launch_token
from lti_tool.templating import link_ticket

_MARKER = 987654321987


def _split(endpoint: str, key: str, values: dict[str, Any]) -> tuple[str, str]:
    url: str = url_for(endpoint, **{**values, key: _MARKER})
    head, tail = url.split(str(_MARKER), 1)
    return head, tail


def action_maker(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """Form actions (POST) for one endpoint whose `key` varies."""
    head, tail = _split(endpoint, key, values)
    return lambda value: f"{head}{int(value)}{tail}"


def link_maker(endpoint: str, key: str, **values: Any) -> Callable[[int], str]:
    """GET links for one endpoint whose `key` varies, each with its own link ticket."""
    head, tail = _split(endpoint, key, values)
    joiner = "&" if "?" in head + tail else "?"

    def link(value: int) -> str:
        ticket = link_ticket()
        url = f"{head}{int(value)}{tail}"
        return url if ticket is None else f"{url}{joiner}{launch_token.QUERY_PARAM}={ticket}"

    return link
