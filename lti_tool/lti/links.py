"""RFC 8288 `Link` headers, as AGS and NRPS use them for paging (`rel="next"`) and incremental
roster sync (`rel="differences"`).

pylti1p3 lower-cases the whole header before matching, which breaks any platform whose page URLs
carry a case-sensitive cursor, and only accepts a quoted `rel`. Here relation names compare
case-insensitively (RFC 8288 3.3) while URLs are kept exactly as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TOKEN = set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _params(text: str, i: int) -> tuple[list[tuple[str, str]], int]:
    """The `; name=value` parameters of one link-value from position i, up to the ',' that
    ends it (a quoted value may itself contain ',' and ';')."""
    params: list[tuple[str, str]] = []
    n = len(text)
    while i < n:
        char = text[i]
        if char == ",":
            return params, i + 1
        if char != ";":
            i += 1
            continue
        i += 1
        while i < n and text[i] in " \t":
            i += 1
        start = i
        while i < n and text[i] in _TOKEN:
            i += 1
        name = text[start:i]
        while i < n and text[i] in " \t":
            i += 1
        value = ""
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i] in " \t":
                i += 1
            if i < n and text[i] == '"':
                i += 1
                chunk = []
                while i < n and text[i] != '"':
                    if text[i] == "\\" and i + 1 < n:
                        i += 1
                    chunk.append(text[i])
                    i += 1
                value = "".join(chunk)
                i += 1
            else:
                start = i
                while i < n and text[i] not in ";, \t":
                    i += 1
                value = text[start:i]
        if name:
            params.append((name, value))
    return params, i


def parse_link_header(value: str | None) -> dict[str, str]:
    """Relation name (lower case) -> URL, first one wins, from one or more Link header values."""
    links: dict[str, str] = {}
    if not value:
        return links
    text = value.replace("\r", " ").replace("\n", " ")
    i = 0
    while True:
        start = text.find("<", i)
        if start < 0:
            break
        end = text.find(">", start)
        if end < 0:
            break
        url = text[start + 1 : end].strip()
        params, i = _params(text, end + 1)
        for name, raw in params:
            if name.lower() != "rel":
                continue
            for rel in raw.split():  # rel="next last" names two relations
                links.setdefault(rel.lower(), url)
    return links


def links_of(headers: Mapping[str, Any]) -> dict[str, str]:
    """The Link relations of a response's headers, whatever the header's spelling; several Link
    headers may have been folded into one with commas."""
    values = [str(v) for k, v in headers.items() if str(k).lower() == "link"]
    return parse_link_header(", ".join(values))
