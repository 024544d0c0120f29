"""What a reader must never see (issue 15, item 2): a raw status key, a database id used as an
anonymous label, or an unformatted float. Used by the walks of seeded classes."""

from __future__ import annotations

import html as html_lib
import re

# Stored keys that are words only to the code; as a whole text node (a badge, a cell) they are
# raw ("pending", "changes"), anywhere they are snake_case ("check_in", "double_blind").
BADGE_KEYS = {
    "pending",
    "changes",
    "draft",
    "agreed",
    "reflected",
    "submit",
    "review",
    "respond",
    "revise",
    "partly",
    "achieved",
}
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
LONG_FLOAT = re.compile(r"\d+\.\d{3,}")
ID_LABEL = re.compile(r"\bSubmission \d+")
SAVED_KEY = re.compile(r"Saved: [a-z_-]+\.")
PLURAL_HEDGE = re.compile(r"\w\(s\)")  # "1 goal(s)": the count is known, say it right


def visible_text(page: str) -> list[str]:
    """The text nodes a reader sees: no script, style, tag or attribute."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    nodes = re.split(r"<[^>]*>", page)
    return [html_lib.unescape(n).strip() for n in nodes if n.strip()]


def problems(where: str, texts: list[str], *, allowed: frozenset[str] = frozenset()) -> list[str]:
    found = []
    for text in texts:
        if text in BADGE_KEYS and text not in allowed:
            found.append(f"{where}: raw key {text!r}")
        for pattern, what in (
            (SNAKE, "snake_case key"),
            (LONG_FLOAT, "unformatted float"),
            (ID_LABEL, "database id as a label"),
            (SAVED_KEY, "a key in a confirmation"),
            (PLURAL_HEDGE, "a hedged plural"),
        ):
            for match in pattern.findall(text):
                if match not in allowed:
                    found.append(f"{where}: {what} {match!r} in {text[:120]!r}")
    return found


def page_problems(where: str, page: str, **kwargs: frozenset[str]) -> list[str]:
    return problems(where, visible_text(page), **kwargs)


def csv_problems(where: str, body: str) -> list[str]:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(body)))
    cells = [cell.strip() for row in rows[1:] for cell in row if cell.strip()]  # not the header
    return problems(where, cells)
