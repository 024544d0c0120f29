"""Languages (issue 15, item 9): which language a request is answered in, and the catalogs.

* **Which language.** A launch carries the LMS user's language in the launch presentation
  claim's `locale` ("fr", "fr-CA", "es_419"...); the launch stores the nearest language the tool
  has (see `nearest`), or the registration's language when the claim names none we have, and
  every page of that launch is then in it. Pages outside a launch (the console, the
  registration pages) follow the browser's Accept-Language.
* **The catalogs** are the `.po` files under `lti_tool/translations/<lang>/LC_MESSAGES/`, read
  directly at first use (no compiled `.mo` to build or to forget to rebuild).
* **Pseudo-locales** for tests and development, never in production: `en-XA` turns every
  translated string into accented, bracketed text (so any text left in plain ASCII on a page
  was never passed through gettext), and `ar-XB` does the same right to left, to check the
  layouts with `dir="rtl"`. They are the codes Android and Chromium use for the same purpose.

Strings are marked with Flask-Babel's `gettext`/`ngettext` (`_` in templates) where a request is
being answered, and `lazy_gettext` in module-level tables and in messages raised by services,
which are rendered later, inside the request that shows them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from babel import Locale, support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, Domain, refresh
from flask_babel.speaklater import LazyString
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

# The languages the tool speaks, English first (the source language).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "fr": "Français"}
DEFAULT_LANGUAGE = "en"
PSEUDO_ACCENTED = "en-XA"
PSEUDO_RTL = "ar-XB"
PSEUDO_LOCALES = (PSEUDO_ACCENTED, PSEUDO_RTL)

_TAG = re.compile(r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$")


def N_(message: str) -> str:
    """Marks a string for translation where it is defined (a module constant) and leaves it as
    it is: `gettext` translates it where it is shown."""
    return message


def nearest(tag: str | None, *, pseudo: bool = False) -> str | None:
    """The tool's language nearest to a BCP 47 tag or POSIX locale name ("fr-CA", "fr_ca",
    "es-419" -> "fr", "fr", "es"); None when the tool has no language for it. With `pseudo`,
    the pseudo-locales are languages too."""
    if not tag or len(tag) > 35 or not _TAG.match(tag.strip()):
        return None
    tag = tag.strip().replace("_", "-")
    if pseudo:
        for code in PSEUDO_LOCALES:
            if tag.lower() == code.lower():
                return code
    primary = tag.split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def choose(launch_locale: str | None, accept_language: Any = None, *, pseudo: bool = False) -> str:
    """The language of a request: its launch's, else the browser's best match, else English.
    With `pseudo`, a browser asking for a pseudo-locale gets it (pages outside a launch)."""
    if launch_locale:
        return launch_locale
    if accept_language is not None:
        offered = list(LANGUAGES) + (list(PSEUDO_LOCALES) if pseudo else [])
        best = accept_language.best_match(offered)
        if best:
            return str(best)
    return DEFAULT_LANGUAGE


def pseudo_enabled(app: Flask | None = None) -> bool:
    app = app or current_app
    return bool(app.config.get("I18N_PSEUDO_LOCALES"))


def current_language() -> str:
    """The language code of this request ("en", "fr", or a pseudo-locale); outside a request
    (a job, the CLI) English, or the language `in_language` names."""
    if not g:
        return DEFAULT_LANGUAGE
    if "language" not in g:
        g.language = _select() if has_request_context() else DEFAULT_LANGUAGE
    return str(g.language)


@contextmanager
def in_language(language: str | None) -> Iterator[None]:
    """Text made inside the block is in `language` (one the tool speaks; else unchanged): for
    what is written for someone other than the request's reader (an LMS comment, a mail)."""
    wanted = language in LANGUAGES or (language in PSEUDO_LOCALES and pseudo_enabled())
    if not language or not wanted:
        yield
        return
    had, saved = "language" in g, g.get("language")
    g.language = language
    refresh()
    try:
        yield
    finally:
        if had:
            g.language = saved
        else:
            g.pop("language", None)
        refresh()


def _select() -> str:
    from lti_tool.auth.current import launch_session
    from lti_tool.auth.launch_token import LaunchTokenError

    launch_locale = None
    try:
        session = launch_session()
    except (LaunchTokenError, SQLAlchemyError):
        # A refused session, or the database failing while an error page is being answered:
        # the page is still answered, in the browser's language.
        session = None
    if session is not None:
        launch_locale = session.locale
    if launch_locale in PSEUDO_LOCALES and not pseudo_enabled():
        launch_locale = None
    return choose(launch_locale, request.accept_languages, pseudo=pseudo_enabled())


def _babel_locale() -> str:
    language = current_language()
    # Numbers and dates of the pseudo-locales are English's (or Arabic's, for right to left).
    return {PSEUDO_ACCENTED: "en", PSEUDO_RTL: "ar"}.get(language, language)


def text_direction() -> str:
    language = current_language()
    if language == PSEUDO_RTL:
        return "rtl"
    return "rtl" if Locale.parse(_babel_locale()).character_order == "right-to-left" else "ltr"


def html_lang() -> str:
    return current_language()


# -- catalogs ---------------------------------------------------------------------------------


def load_catalog(language: str, directory: Path = TRANSLATIONS_DIR) -> support.Translations:
    """The translations of one language, from its .po file (compiled in memory)."""
    path = directory / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return support.Translations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return support.Translations(fp=buffer)


_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķľɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĽṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
_PLACEHOLDER = re.compile(r"(%\([a-z_]+\)[sdf]|%[sdf]|\{[a-z_]*\}|<[^>]+>|&[a-z]+;)")


def pseudo(text: str) -> str:
    """Accented and bracketed, with placeholders, tags and entities left as they are."""
    parts = _PLACEHOLDER.split(text)
    return (
        "⟦"
        + "".join(p if _PLACEHOLDER.fullmatch(p) else p.translate(_ACCENTS) for p in parts)
        + "⟧"
    )


class PseudoTranslations(support.NullTranslations):
    """Every message pseudo-translated (see module docstring)."""

    def gettext(self, message: str) -> str:
        return pseudo(message) if message else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return pseudo(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message) if message else message

    def npgettext(self, context: str, singular: str, plural: str, num: int) -> str:
        return pseudo(singular if num == 1 else plural)

    ugettext = gettext
    ungettext = ngettext
    upgettext = pgettext
    unpgettext = npgettext


class _ToolDomain(Domain):
    """Flask-Babel's domain, reading the .po catalogs (cached per language) and answering the
    pseudo-locales."""

    def get_translations(self):  # type: ignore[no-untyped-def]
        language = current_language()
        if language in PSEUDO_LOCALES:
            return PseudoTranslations()
        if language == DEFAULT_LANGUAGE:
            return support.NullTranslations()
        try:
            return self.cache[language]
        except KeyError:
            translations = load_catalog(language)
            self.cache[language] = translations
            return translations


class _ToolBabel(Babel):
    @cached_property
    def domain_instance(self):  # type: ignore[no-untyped-def]
        return _ToolDomain(domain=self.domain)


def _escaped_html(self: LazyString) -> str:
    return str(escape(str(self)))


def init_i18n(app: Flask) -> None:
    # Flask-Babel's lazy strings say they are HTML already (`__html__` returns the text), so
    # Jinja would not escape them: a lazy message with a value someone typed in it (a refusal
    # quoting a title) would be markup. Ours are text, escaped like any other string.
    LazyString.__html__ = _escaped_html  # type: ignore[method-assign]
    _ToolBabel(app, locale_selector=_babel_locale)
    # A {% trans %} block's message is its text with runs of whitespace made one space, so a
    # block may wrap across lines (babel.cfg extracts it the same way).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        html_lang=html_lang,
        text_direction=text_direction,
        current_language=current_language,
        LANGUAGES=LANGUAGES,
    )
