"""Which language a page is in (issue 15, item 9): the launch's locale claim, else the
registration's language, else the browser's; the pseudo-locales outside production only."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from lti_tool import i18n
from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.models import Platform
from tests.builders import launch


@pytest.mark.parametrize(
    ("tag", "language"),
    [
        ("fr", "fr"),
        ("fr-CA", "fr"),
        ("fr_ca", "fr"),  # Moodle's language codes
        ("es-419", "es"),
        ("ES", "es"),
        ("en-US", "en"),
        ("de-DE", None),
        ("", None),
        (None, None),
        ("fr;drop table", None),
        ("x" * 40, None),
        ("en-XA", "en"),  # a pseudo-locale is English unless asked for
    ],
)
def test_the_nearest_language_the_tool_speaks(tag: str | None, language: str | None) -> None:
    assert i18n.nearest(tag) == language


def test_pseudo_locales_only_when_enabled() -> None:
    assert i18n.nearest("en-XA", pseudo=True) == "en-XA"
    assert i18n.nearest("ar-xb", pseudo=True) == "ar-XB"


def _page(client, response):  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_launch_locale_picks_the_pages_language(client, platform, platform_key) -> None:
    launched = launch(client, platform_key, **{claims.LAUNCH_PRESENTATION: {"locale": "fr-CA"}})
    assert '<html lang="fr" dir="ltr">' in _page(client, launched)


def test_without_a_locale_the_registrations_language(app, client, platform, platform_key) -> None:
    with app.app_context():
        db.session.execute(update(Platform).values(default_language="es"))
        db.session.commit()
    assert '<html lang="es"' in _page(client, launch(client, platform_key))


def test_a_locale_the_tool_lacks_falls_back_to_the_registrations(
    app, client, platform, platform_key
) -> None:
    with app.app_context():
        db.session.execute(update(Platform).values(default_language="fr"))
        db.session.commit()
    launched = launch(client, platform_key, **{claims.LAUNCH_PRESENTATION: {"locale": "de"}})
    assert '<html lang="fr"' in _page(client, launched)


def test_otherwise_the_browsers_language(client, platform, platform_key) -> None:
    launched = launch(client, platform_key)
    location = launched.headers["Location"]
    page = client.get(location, headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es"' in page.get_data(as_text=True)


def test_english_when_nothing_names_a_language_we_have(client, platform, platform_key) -> None:
    launched = launch(client, platform_key, **{claims.LAUNCH_PRESENTATION: {"locale": "de"}})
    location = launched.headers["Location"]
    page = client.get(location, headers={"Accept-Language": "de-DE"})
    assert '<html lang="en" dir="ltr"' in page.get_data(as_text=True)


def test_pages_outside_a_launch_follow_the_browser(client) -> None:
    page = client.get("/admin/login", headers={"Accept-Language": "fr"})
    assert '<html lang="fr"' in page.get_data(as_text=True)


def test_the_pseudo_locales(client, platform, platform_key) -> None:
    accented = launch(client, platform_key, **{claims.LAUNCH_PRESENTATION: {"locale": "en-XA"}})
    page = _page(client, accented)
    assert '<html lang="en-XA" dir="ltr"' in page
    assert "⟦" in page
    rtl = launch(client, platform_key, **{claims.LAUNCH_PRESENTATION: {"locale": "ar-XB"}})
    assert '<html lang="ar-XB" dir="rtl"' in _page(client, rtl)


def test_no_pseudo_locale_in_production(make_app) -> None:
    app = make_app()
    app.config["I18N_PSEUDO_LOCALES"] = False
    with app.app_context():
        assert not i18n.pseudo_enabled()
        assert i18n.nearest("en-XA", pseudo=i18n.pseudo_enabled()) == "en"


def test_a_lazy_message_is_escaped_like_any_text(app) -> None:
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context("/"):
        message = lazy_gettext("No activity named %(title)s.", title="<script>x()</script>")
        page = render_template_string("<p>{{ message }}</p>", message=message)
    assert "<script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page


def test_a_browser_may_ask_for_a_pseudo_locale_outside_production(client, app) -> None:
    page = client.get("/admin/login", headers={"Accept-Language": "en-XA"}).get_data(as_text=True)
    assert '<html lang="en-XA"' in page and "⟦" in page
    app.config["I18N_PSEUDO_LOCALES"] = False
    page = client.get("/admin/login", headers={"Accept-Language": "en-XA"}).get_data(as_text=True)
    assert '<html lang="en"' in page
