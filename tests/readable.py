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


# -- untranslated text (issue 15, item 9) -------------------------------------------------------
#
# Under the pseudo-locale en-XA every string that went through gettext reads "⟦Ŧĥîš⟧"
# (lti_tool.i18n.pseudo). What a page shows outside those brackets is either the class's own
# data (names, titles, what students wrote: `data_strings`), numbers and dates, or text that was
# never marked for translation: that is what `untranslated` reports.

PSEUDO_SPAN = re.compile(r"⟦[^⟦⟧]*⟧")
# Dates and times are formatted by Babel in the pseudo-locale's English: their words are data.
_DATE_WORDS = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|"
    r"June|July|August|September|October|November|December|Mon|Tue|Wed|Thu|Fri|Sat|Sun|AM|PM|"
    r"UTC)\b"
)
# Names that are not words of any language.
NOT_WORDS = frozenset({"Coproduce", "LTI", "CSV", "JSON", "SVG", "PDF", "URL", "ID", "CASE"})
_LETTERS = re.compile(r"[A-Za-z]{2,}")
# Attributes a reader meets (read aloud, shown on hover or in an empty field).
_READ_ATTRIBUTES = re.compile(
    r"""\s(?:title|aria-label|placeholder|alt|aria-description)="([^"]*)\"""", re.I
)


_KEY = re.compile(r"[a-z]+(?:[_-][a-z]+)*")


def data_strings(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every text value stored in the app's database (what people wrote and named), longest
    first: a page may show it in any language."""
    import json

    from sqlalchemy import JSON, String, Text, select

    from lti_tool.extensions import db

    found: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, str):
            # Not the stored keys ("pending", "check_in"): a page must show their words.
            if len(value) >= 2 and not _KEY.fullmatch(value):
                found.add(value)
                found.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 2)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String | Text | JSON)]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                for value in row:
                    if isinstance(value, str) and value[:1] in "{[":
                        try:
                            value = json.loads(value)
                        except ValueError:
                            pass
                    collect(value)
    return sorted(found, key=len, reverse=True)


def untranslated(
    where: str, page: str, data: list[str], *, allowed: frozenset[str] = frozenset()
) -> list[str]:
    """The text of a page rendered under en-XA that no translation went through."""
    texts = visible_text(page) + [
        html_lib.unescape(v) for v in _READ_ATTRIBUTES.findall(page) if v.strip()
    ]
    found = []
    for text in texts:
        rest = text
        while PSEUDO_SPAN.search(rest):
            rest = PSEUDO_SPAN.sub(" ", rest)
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        rest = _DATE_WORDS.sub(" ", rest)
        words = [w for w in _LETTERS.findall(rest) if w not in NOT_WORDS and w not in allowed]
        if words:
            found.append(f"{where}: untranslated {' '.join(words)[:80]!r} in {text[:120]!r}")
    return found
