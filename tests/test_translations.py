"""The catalogs are complete (issue 15, item 9): every string the tool marks for translation
has a Spanish and a French translation, not fuzzy, with the same placeholders, and the
catalogs the tool reads name no string the code no longer has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "lti_tool" / "translations"
METHODS = [
    ("lti_tool/sandbox/**", "ignore"),
    ("lti_tool/templates/sandbox/**", "ignore"),
    ("lti_tool/**.py", "python"),
    ("lti_tool/templates/**.html", "jinja2"),
]
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "lazy_gettext": None,
    "_l": None,
    "lazy_ngettext": (1, 2),
    "N_": None,
}
PLACEHOLDER = re.compile(r"%\(([a-z_]+)\)[sdf]")


@pytest.fixture(scope="module")
def marked() -> dict[object, str]:
    """Every marked string, with the first file that marks it."""
    found: dict[object, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        METHODS,
        options_map={"lti_tool/templates/**.html": {"trimmed": "true"}},
        keywords=KEYWORDS,
    ):
        found.setdefault(message if isinstance(message, str) else tuple(message), filename)
    return found


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_strings_are_marked(marked: dict[object, str]) -> None:
    assert len(marked) > 50


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_every_marked_string_is_translated(lang: str, marked: dict[object, str]) -> None:
    catalog = _catalog(lang)
    messages = {m.id: m for m in catalog if m.id}
    missing, fuzzy, mismatched = [], [], []
    for msgid in sorted(marked, key=str):
        message = messages.get(msgid)
        strings = (
            message.string if message is not None and isinstance(message.string, tuple) else None
        )
        if message is None or not message.string or (strings is not None and not all(strings)):
            missing.append(f"{marked[msgid]}: {msgid!r}")
            continue
        if message.fuzzy:
            fuzzy.append(msgid)
        source = msgid if isinstance(msgid, str) else msgid[-1]
        for translated in strings or (message.string,):
            if _placeholders(translated) != _placeholders(source):
                mismatched.append((msgid, translated))
    assert missing == [], f"{len(missing)} strings lack a {lang} translation (scripts/translations)"
    assert fuzzy == []
    assert mismatched == []


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_no_translation_of_a_string_the_code_no_longer_has(
    lang: str, marked: dict[object, str]
) -> None:
    stale = [m.id for m in _catalog(lang) if m.id and m.id not in marked and not m.obsolete]
    assert stale == []


@pytest.mark.parametrize("lang", ["es", "fr"])
def test_the_parts_agree_on_every_message(lang: str) -> None:
    """A message the parts translate twice gets one translation: the catalog keeps one, so two
    differing parts would leave one area's reader with the other area's word (a word whose
    sense differs by place takes a pgettext context instead)."""
    seen: dict[tuple[object, object], dict[object, list[str]]] = {}
    for part in sorted((TRANSLATIONS / "parts").glob(f"*.{lang}.po")):
        with part.open("rb") as handle:
            for message in read_po(handle):
                if message.id and message.string:
                    found = seen.setdefault((message.id, message.context), {})
                    found.setdefault(message.string, []).append(part.name)
    differing = {key: found for key, found in seen.items() if len(found) > 1}
    assert differing == {}
