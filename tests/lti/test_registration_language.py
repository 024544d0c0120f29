"""Dynamic registration asks the LMS administrator for the registration's language (issue 15,
item 9) and stores it; a value the form did not offer is refused, nothing registered."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Platform
from tests.builders import error_code
from tests.registration_double import RegistrationPlatform


@pytest.fixture
def lms() -> Iterator[RegistrationPlatform]:
    double = RegistrationPlatform().start()
    yield double
    double.stop()


def _confirm_page(client, lms, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(
        "/lti/register",
        query_string={"openid_configuration": lms.config_url, "registration_token": "reg-token-1"},
        headers=headers,
    )


def _confirmation(page) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'name="confirmation" value="([^"]+)"', page.get_data(as_text=True))
    assert found
    return found.group(1)


def test_the_confirmation_page_offers_the_languages(client, lms) -> None:
    html = _confirm_page(client, lms).get_data(as_text=True)
    assert '<select id="default_language" name="default_language"' in html
    for label in ("The browser&#39;s language", "English", "Español", "Français"):
        assert label in html


def test_the_chosen_language_is_stored(app, client, lms) -> None:
    page = _confirm_page(client, lms)
    done = client.post(
        "/lti/register",
        data={
            "confirmation": _confirmation(page),
            "deployment_policy": "hold",
            "default_language": "fr",
        },
    )
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    with app.app_context():
        assert db.session.scalars(select(Platform.default_language)).one() == "fr"


def test_the_browsers_language_is_stored_as_none(app, client, lms) -> None:
    page = _confirm_page(client, lms)
    done = client.post(
        "/lti/register",
        data={
            "confirmation": _confirmation(page),
            "deployment_policy": "hold",
            "default_language": "",
        },
    )
    assert done.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Platform.default_language)).one() is None


@pytest.mark.parametrize("junk", ["de", "ar-XB", "<script>", "e" * 50])
def test_a_language_not_offered_is_refused(app, client, lms, junk) -> None:
    page = _confirm_page(client, lms)
    refused = client.post(
        "/lti/register",
        data={
            "confirmation": _confirmation(page),
            "deployment_policy": "hold",
            "default_language": junk,
        },
    )
    assert refused.status_code == 400
    assert error_code(refused) == "DR_LANGUAGE_INVALID"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Platform)) == 0
    assert lms.received == []  # the platform was never asked


def test_the_confirmation_page_in_french(client, lms) -> None:
    html = _confirm_page(client, lms, **{"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr"' in html
    assert "Enregistrer Coproduce" in html and "Langue" in html
    assert "Ajouter une activité Coproduce" in html  # the messages the LMS will list
