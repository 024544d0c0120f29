"""The console, the LTI sign-in and registration pages and the launch errors in every language
(issue 15, item 9): under the pseudo-locale en-XA no page shows text that gettext did not
translate; in French they read French; the registration stores the language it is given."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from lti_tool import i18n
from lti_tool.admin import health
from lti_tool.admin.accounts import create_admin
from lti_tool.admin.audit import cli_actor
from lti_tool.extensions import db
from lti_tool.models import Platform
from tests.admin.test_console import PASSWORD, csrf_of
from tests.builders import (
    CLIENT_ID,
    ISSUER,
    TOOL,
    Claims,
    error_code,
    launch,
    launch_token_of,
    login,
    post_launch,
    sign,
)
from tests.readable import data_strings, untranslated

# Names that are not words of any language, as the console shows them: LMS product names,
# the example URL of a placeholder, protocol names the admin pastes into the LMS.
_WORD = re.compile(r"[A-Za-z]{2,}")
PROPER_NOUNS = frozenset(
    {"Canvas", "Moodle", "Prometheus", "https", "moodle", "example", "edu", "cURL", "JWKS", "HTTP"}
    # Each language is named in itself ("Français"), as the checker splits words.
    | {w for name in i18n.LANGUAGES.values() for w in re.findall(r"[A-Za-z]{2,}", name)}
)


@pytest.fixture
def pseudo_browser() -> None:
    """Outside a launch the console follows the browser: outside production a browser may ask
    for a pseudo-locale in its Accept-Language (lti_tool.i18n.choose)."""


def _signed_in(app, language: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    with app.app_context():
        create_admin("alice.admin", PASSWORD, cli_actor())
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(
        "/admin/login", data={"username": "alice.admin", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return client


def _post(client: FlaskClient, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_of(client), **data})


def _followed(client: FlaskClient, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _console_pages(app, client: FlaskClient, platform_id: int) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every page of the console, after the actions that give each its content."""
    p = platform_id
    yield (
        "deployment added",
        _followed(
            client, _post(client, f"/admin/platforms/{p}/deployments", deployment_id="dep-2")
        ),
    )
    yield (
        "deployment refused",
        _followed(
            client, _post(client, f"/admin/platforms/{p}/deployments", deployment_id="x" * 300)
        ),
    )
    yield (
        "status",
        _followed(client, _post(client, f"/admin/platforms/{p}/status", status="disabled")),
    )
    _post(client, f"/admin/platforms/{p}/status", status="active")
    yield "rotated", _followed(client, _post(client, "/admin/keys/rotate"))
    yield (
        "retention set",
        _followed(client, _post(client, f"/admin/privacy/retention/{p}", days="30")),
    )
    yield "dry run", _followed(client, _post(client, f"/admin/privacy/retention/{p}/dry-run"))
    for path in (
        "/admin/",
        "/admin/platforms/new",
        "/admin/platforms/new?preset=production",
        "/admin/platforms/new?preset=moodle&site_url=https%3A%2F%2Fmoodle.example.edu",
        f"/admin/platforms/{p}",
        f"/admin/platforms/{p}/delete",
        "/admin/keys",
        "/admin/health",
        "/admin/audit",
        "/admin/audit?kind=all",
        "/admin/setup",
        "/admin/setup/canvas",
        "/admin/setup/moodle",
        "/admin/setup/other",
        "/admin/grades",
        "/admin/privacy",
        "/admin/privacy/retention",
        "/admin/password",
    ):
        page = client.get(path)
        assert page.status_code == 200, (path, page.get_data(as_text=True)[:300])
        yield path, page.get_data(as_text=True)
    yield (
        "invite",
        _post(client, "/admin/invites", note="For the Moodle team").get_data(as_text=True),
    )
    yield (
        "erase confirmation",
        _post(client, "/admin/privacy/erase", platform_id=str(p), sub="student-1").get_data(
            as_text=True
        ),
    )
    yield (
        "erase nobody",
        _post(client, "/admin/privacy/erase", platform_id=str(p), sub="nobody").get_data(
            as_text=True
        ),
    )
    yield (
        "bad new platform",
        _post(client, "/admin/platforms/new", issuer="not a url").get_data(as_text=True),
    )
    yield (
        "wrong password",
        _post(client, "/admin/password", current="wrong", new="x" * 12, confirm="x" * 12).get_data(
            as_text=True
        ),
    )


def _launch_pages(app, platform_key, language: str) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The sign-in and storage pages, and the launch refusals a student meets."""
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    yield "login page", login(browser).response.get_data(as_text=True)
    started = login(browser, storage_target="post_message_forwarding")
    browser._cookies.clear()  # type: ignore[attr-defined]  # the state is in the LMS's storage
    yield (
        "storage check",
        browser.post(
            "/lti/launch",
            data={
                "id_token": sign(Claims(nonce=started.nonce).body, platform_key),
                "state": started.state,
            },
            headers={"Origin": ISSUER, "Sec-Fetch-Site": "cross-site"},
        ).get_data(as_text=True),
    )
    refusals = {
        "login without iss": browser.get(
            "/lti/login", query_string={"login_hint": "h", "target_link_uri": TOOL + "/lti/launch"}
        ),
        "unknown registration": browser.get(
            "/lti/login",
            query_string={
                "iss": "https://unknown.example",
                "login_hint": "h",
                "target_link_uri": TOOL + "/lti/launch",
                "client_id": CLIENT_ID,
            },
        ),
        "launch without state": post_launch(browser, "x.y.z", None),
        "expired session": browser.get("/admin/", headers={"X-Launch-Token": "not-a-token"}),
        "admin signed out": app.test_client().get("/admin/", headers={"Accept-Language": language}),
    }
    started = login(browser)
    expired = Claims(nonce=started.nonce).body | {"exp": 1, "iat": 0}
    refusals["expired launch"] = post_launch(browser, sign(expired, platform_key), started.state)
    for where, response in refusals.items():
        assert 400 <= response.status_code < 500, where
        assert error_code(response), where
        yield f"{where} ({error_code(response)})", response.get_data(as_text=True)


def _identifiers(app) -> list[str]:  # type: ignore[no-untyped-def]
    """What the console shows as code, not words: the tables and columns of the data
    inventory, and the tool's URLs to paste into an LMS."""
    from lti_tool.admin.presets import ToolUrls
    from lti_tool.privacy.inventory import CLAIMS, TABLES

    urls = ToolUrls(app.extensions["coproduce.settings"].LTI_TOOL_BASE_URL)
    names = {t.name for t in TABLES} | {c for t in TABLES for c in t.columns}
    names |= {urls.login, urls.launch, urls.jwks, urls.register, urls.canvas_json, urls.domain}
    names |= {claim for claim, _why in CLAIMS}
    return sorted(names, key=len, reverse=True)


def _figures(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The metrics' names and labels, identifiers the health page shows as code (the metrics
    are the process's: whatever requests ran before, in this test or another)."""
    with app.app_context():
        shown = health.figures()
    return [text for name, labels, _value in shown for text in (name, labels) if text]


def _code_words(pages: list[tuple[str, str]]) -> frozenset[str]:
    """The error codes (they stay as they are in every language: support and logs read them)."""
    return frozenset(w for where, _page in pages for w in _WORD.findall(where) if w.isupper())


def _platform_id(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalars(select(Platform.id)).one()


def test_no_untranslated_text_on_the_console_and_launch_pages(
    app, platform, platform_key, pseudo_browser, launch_locale: Callable[[str | None], None]
) -> None:
    launch_locale("en-XA")
    launch(app.test_client(), platform_key, "student", sub="student-1")
    client = _signed_in(app, "en-XA")
    pages = list(_console_pages(app, client, _platform_id(app)))
    pages += list(_launch_pages(app, platform_key, "en-XA"))
    # What the walk typed and was given: the sub of nobody, the invitation's link.
    typed = ["nobody"] + re.findall(
        r'<code id="invite-url"[^>]*>([^<]+)</code>', dict(pages)["invite"]
    )
    data = data_strings(app) + _identifiers(app) + _figures(app)
    data += [html.unescape(t) for t in typed]
    data.sort(key=len, reverse=True)  # the longest first, as data_strings gives them
    allowed = PROPER_NOUNS | _code_words(pages)
    found = sum((untranslated(where, page, data, allowed=allowed) for where, page in pages), [])
    assert found == [], "\n".join(found)
    assert all('<html lang="en-XA" dir="ltr"' in page for _where, page in pages)


def test_an_lms_administrators_console_in_the_launch_language(
    app, client, platform, platform_key, launch_locale: Callable[[str | None], None]
) -> None:
    launch_locale("en-XA")
    token = launch_token_of(launch(client, platform_key, "admin", sub="lms-admin"))
    data = sorted(data_strings(app) + _identifiers(app), key=len, reverse=True)
    for path in (
        "/admin/",
        f"/admin/platforms/{_platform_id(app)}",
        "/admin/audit",
        "/admin/setup",
    ):
        page = app.test_client().get(path, headers={"X-Launch-Token": token})
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert '<html lang="en-XA"' in html
        found = untranslated(path, html, data, allowed=PROPER_NOUNS)
        assert found == [], "\n".join(found)


def test_the_console_in_french(app, platform) -> None:
    client = _signed_in(app, "fr-FR,fr;q=0.9")
    index = client.get("/admin/").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr"' in index
    assert "Enregistrements" in index and "Se déconnecter" in index
    assert "1 actif" in index and "actif</td>" in index
    detail = client.get(f"/admin/platforms/{_platform_id(app)}").get_data(as_text=True)
    assert "Langue" in detail and "La langue du navigateur" in detail
    # Dates read French ("3 déc. 2026" in a date, "03/12/2026 13:05 UTC" with a time).
    assert re.search(r"\d{2}/\d{2}/\d{4}", detail)
    keys = client.get("/admin/keys").get_data(as_text=True)
    assert "Clés de signature" in keys and "actuelle" in keys
    refused = app.test_client().get("/admin/", headers={"Accept-Language": "fr"})
    assert refused.status_code == 403
    assert "Accès refusé" in refused.get_data(as_text=True)


def test_a_students_launch_error_in_spanish(app, platform, platform_key) -> None:
    browser = app.test_client()
    started = login(browser)
    expired = Claims(nonce=started.nonce).body | {"exp": 1, "iat": 0}
    response = browser.post(
        "/lti/launch",
        data={"id_token": sign(expired, platform_key), "state": started.state},
        headers={"Accept-Language": "es-ES,es;q=0.8"},
    )
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert '<html lang="es"' in html
    assert "El inicio caducó antes de llegar a la herramienta. Vuelve a iniciarlo." in html
    assert error_code(response) == "TOKEN_EXPIRED"  # codes stay


def test_the_console_right_to_left(app, platform, pseudo_browser) -> None:
    client = _signed_in(app, "ar-XB")
    assert '<html lang="ar-XB" dir="rtl"' in client.get("/admin/").get_data(as_text=True)


# -- the registration's language ---------------------------------------------------------------


def _platform_form(client: FlaskClient, platform_id: int, **changes: str) -> dict[str, str]:
    with client.application.app_context():
        p = db.session.get(Platform, platform_id)
        assert p is not None
        form = {
            "name": p.name,
            "issuer": p.issuer,
            "client_id": p.client_id,
            "auth_login_url": p.auth_login_url,
            "auth_token_url": p.auth_token_url,
            "key_set_url": p.key_set_url,
            "product_family": p.product_family,
            "deployment_policy": p.deployment_policy,
        }
    return {**form, **changes}


def _language(app, platform_id: int) -> str | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        p = db.session.get(Platform, platform_id)
        assert p is not None
        return p.default_language


def test_the_registration_form_sets_and_clears_the_language(app, platform) -> None:
    client = _signed_in(app, "en")
    p = _platform_id(app)
    page = client.get(f"/admin/platforms/{p}").get_data(as_text=True)
    assert re.search(r'<select[^>]* id="default_language" name="default_language"', page)
    assert "The browser&#39;s language" in page and "Français" in page and "Español" in page
    saved = _post(
        client, f"/admin/platforms/{p}", **_platform_form(client, p, default_language="fr")
    )
    assert saved.status_code == 303
    assert _language(app, p) == "fr"
    assert '<option selected value="fr">' in client.get(f"/admin/platforms/{p}").get_data(
        as_text=True
    )
    # A form that does not send the field (an older page) keeps the stored language.
    assert _post(client, f"/admin/platforms/{p}", **_platform_form(client, p)).status_code == 303
    assert _language(app, p) == "fr"
    assert (
        _post(
            client, f"/admin/platforms/{p}", **_platform_form(client, p, default_language="")
        ).status_code
        == 303
    )
    assert _language(app, p) is None


@pytest.mark.parametrize("junk", ["de", "en-XA", "fr;drop", "x" * 40])
def test_the_registration_form_refuses_a_language_it_does_not_offer(app, platform, junk) -> None:
    client = _signed_in(app, "en")
    p = _platform_id(app)
    refused = _post(
        client, f"/admin/platforms/{p}", **_platform_form(client, p, default_language=junk)
    )
    assert refused.status_code == 400
    assert "Choose one of the languages offered." in refused.get_data(as_text=True)
    assert _language(app, p) is None


def test_a_new_platform_with_its_language(app, jwks) -> None:
    client = _signed_in(app, "en")
    created = _post(
        client,
        "/admin/platforms/new",
        name="Moodle ES",
        issuer="https://moodle.example.es",
        client_id="moodle-es",
        auth_login_url=jwks.url + "/auth",
        auth_token_url=jwks.url + "/token",
        key_set_url=jwks.url,
        product_family="moodle",
        deployment_policy="hold",
        default_language="es",
    )
    assert created.status_code == 303, created.get_data(as_text=True)[:300]
    with app.app_context():
        p = db.session.scalars(select(Platform).where(Platform.client_id == "moodle-es")).one()
        assert p.default_language == "es"
