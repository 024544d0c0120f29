"""Issue 11, item 3/4: the registration fields that decide trust change only by an installation
admin (or a new registration), audited; production refuses platform URLs on internal addresses."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from lti_tool.admin.audit import cli_actor
from lti_tool.admin.platforms import PlatformFields, RegistrationError, add_platform
from lti_tool.extensions import db
from lti_tool.lti.addresses import AddressPolicy, InternalAddressError
from lti_tool.lti.errors import LtiError
from lti_tool.lti.registration import fetch_platform_configuration
from lti_tool.models import Event, Platform
from tests.admin import test_console
from tests.admin.test_console import csrf_of, launch_csrf
from tests.builders import ISSUER, error_code, launch, launch_token_of
from tests.registration_double import RegistrationPlatform

console = test_console.console  # the signed-in console fixture
ATTACKER_JWKS = "https://attacker.example.net/jwks.json"


def _form(platform: Platform, **changes: str) -> dict[str, str]:
    form = {
        "name": platform.name,
        "product_family": str(platform.product_family),
        "issuer": platform.issuer,
        "client_id": platform.client_id,
        "auth_login_url": platform.auth_login_url,
        "auth_token_url": platform.auth_token_url,
        "key_set_url": platform.key_set_url,
        "auth_audience": platform.auth_audience or "",
        "deployment_policy": str(platform.deployment_policy),
    }
    form.update(changes)
    return form


def _row(app, platform_id: int) -> Platform:
    with app.app_context():
        row = db.session.get(Platform, platform_id)
        db.session.expunge(row)
        return row


@pytest.mark.parametrize(
    "field, value",
    [
        ("key_set_url", ATTACKER_JWKS),
        ("auth_login_url", "https://attacker.example.net/auth"),
        ("auth_token_url", "https://attacker.example.net/token"),
        ("auth_audience", "https://attacker.example.net/token"),
        ("issuer", "https://attacker.example.net"),
        ("client_id", "attacker-client"),
        ("product_family", "canvas"),
    ],
)
def test_lms_admin_cannot_repoint_a_trust_field(app, client, platform, platform_key, field, value):
    """The attack: an LMS administrator launch posts the registration form with the key set URL
    (or another trust field) pointing at their own server. 403; the row unchanged; audited."""
    token = launch_token_of(launch(client, platform_key, "admin", sub="adm"))
    before = _row(app, platform.id)
    response = app.test_client().post(
        f"/admin/platforms/{platform.id}",
        data={
            **_form(before, **{field: value}),
            "launch_token": token,
            "csrf_token": launch_csrf(app, token),
        },
    )
    assert response.status_code == 403
    assert error_code(response) == "ADMIN_TRUST_FIELDS"
    after = _row(app, platform.id)
    assert getattr(after, field) == getattr(before, field)
    assert after.key_set_url == before.key_set_url
    with app.app_context():
        refused = db.session.scalars(
            select(Event).where(Event.verb == "platform.update_refused")
        ).one()
        assert refused.data["fields"] == [field]
        assert "LMS administrator" in refused.actor_label
        assert (
            db.session.scalars(select(Event).where(Event.verb == "platform.updated")).first()
            is None
        )


def test_lms_admin_sees_trust_fields_read_only_and_may_rename(app, client, platform, platform_key):
    token = launch_token_of(launch(client, platform_key, "admin", sub="adm"))
    page = app.test_client().get(
        f"/admin/platforms/{platform.id}", headers={"X-Launch-Token": token}
    )
    html = page.get_data(as_text=True)
    for name in ("key_set_url", "issuer", "client_id", "auth_token_url"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert "disabled" in tag, tag
    assert "disabled" not in re.search(r'<input[^>]*name="name"[^>]*>', html).group(0)
    # The browser sends no disabled fields: the name and policy change, trust stays.
    response = app.test_client().post(
        f"/admin/platforms/{platform.id}",
        data={
            "name": "Our Moodle",
            "deployment_policy": "accept",
            "launch_token": token,
            "csrf_token": launch_csrf(app, token),
        },
    )
    assert response.status_code == 303
    after = _row(app, platform.id)
    assert after.name == "Our Moodle" and after.deployment_policy == "accept"
    assert after.key_set_url == platform.key_set_url


def test_installation_admin_changes_the_key_set_audited(app, console, platform):
    before = _row(app, platform.id)
    response = console.post(
        f"/admin/platforms/{platform.id}",
        data={**_form(before, key_set_url=ATTACKER_JWKS), "csrf_token": csrf_of(console)},
    )
    assert response.status_code == 303
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.verb == "platform.updated")).one()
        assert event.data["changed"]["key_set_url"] == [before.key_set_url, ATTACKER_JWKS]
        assert event.actor_label == "admin alice"


PUBLIC = "https://93.184.216.34"  # a public address: resolves to itself, without DNS


def _fields(**urls: str) -> PlatformFields:
    values = {
        "issuer": ISSUER,
        "client_id": "c-1",
        "auth_login_url": PUBLIC + "/auth",
        "auth_token_url": PUBLIC + "/token",
        "key_set_url": PUBLIC + "/jwks",
    }
    values.update(urls)
    return PlatformFields(**values)


def _public_resolver(host: str) -> list[str]:
    return {
        "intranet.example.edu": ["10.1.2.3"],
        "rebind.example.net": ["93.184.216.34", "127.0.0.1"],
    }.get(host, ["93.184.216.34"])


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/jwks",
        "http://localhost/jwks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/jwks",
        "http://[::ffff:10.0.0.1]/jwks",
        "http://10.0.0.7/jwks",
        "http://192.168.1.1/jwks",
        "http://100.64.0.1/jwks",
        "http://0.0.0.0/jwks",
        "https://intranet.example.edu/jwks",  # a name resolving to a private address
        "https://rebind.example.net/jwks",  # one of its addresses is loopback
    ],
)
def test_production_policy_refuses_internal_addresses(url):
    def resolver(host: str) -> list[str]:
        return ["127.0.0.1"] if host == "localhost" else _public_resolver(host)

    policy = AddressPolicy(refuse=True, resolver=resolver)
    with pytest.raises(InternalAddressError):
        policy.check("key_set_url", url)
    assert AddressPolicy(refuse=False, resolver=resolver).check("key_set_url", url) is not None
    assert AddressPolicy(refuse=True, resolver=_public_resolver).check("k", ISSUER) is None


def test_allow_list_names_a_campus_lms():
    policy = AddressPolicy.from_settings(True, "intranet.example.edu, 192.168.0.0/16")
    policy = AddressPolicy(refuse=True, allowed=policy.allowed, resolver=_public_resolver)
    assert policy.check("k", "https://intranet.example.edu/jwks") is None
    assert policy.check("k", "http://192.168.3.4/jwks") is None
    with pytest.raises(InternalAddressError):
        policy.check("k", "http://10.9.9.9/jwks")


@pytest.fixture
def production_app(make_app):
    return make_app(
        APP_ENV="production",
        LTI_TOOL_BASE_URL="https://tool.example.edu",
        DYNAMIC_REGISTRATION="open",
    )


def test_production_refuses_a_registration_on_loopback(production_app):
    with production_app.app_context():
        with pytest.raises(RegistrationError, match="internal network"):
            add_platform(_fields(key_set_url="http://127.0.0.1:9/jwks"), [], cli_actor())
        with pytest.raises(RegistrationError, match="internal network"):
            add_platform(_fields(auth_token_url="http://localhost/token"), [], cli_actor())
        assert db.session.scalars(select(Platform)).first() is None


def test_production_allow_list_lets_a_local_lms_register(make_app):
    app = make_app(
        APP_ENV="production",
        LTI_TOOL_BASE_URL="https://tool.example.edu",
        PLATFORM_URL_ALLOW_INTERNAL="127.0.0.1",
    )
    with app.app_context():
        add_platform(_fields(key_set_url="http://127.0.0.1:9/jwks"), [], cli_actor())


@pytest.fixture
def lms() -> Iterator[RegistrationPlatform]:
    double = RegistrationPlatform().start()
    yield double
    double.stop()


def test_production_dynamic_registration_does_not_fetch_internal_configuration(production_app, lms):
    """The attack: anyone opens /lti/register with openid_configuration pointing at the tool's
    own network. 400, and no request reaches that address."""
    response = production_app.test_client().get(
        "/lti/register",
        query_string={"openid_configuration": lms.config_url, "registration_token": "t"},
        base_url="https://tool.example.edu",
    )
    assert response.status_code == 400
    assert error_code(response) == "DR_INTERNAL_ADDRESS"
    assert lms.received == [] and lms.received_auth == []
    with production_app.app_context():
        assert db.session.scalars(select(Platform)).first() is None


def test_development_dynamic_registration_to_localhost_warns(app, lms, caplog):
    with app.app_context(), caplog.at_level(logging.WARNING):
        config = fetch_platform_configuration(lms.config_url, "reg-token-1", 5)
    assert config.issuer == lms.origin
    assert "internal" in caplog.text


def test_internal_registration_endpoint_refused_in_production(lms):
    with pytest.raises(LtiError) as refused:
        fetch_platform_configuration(lms.config_url, "t", 5, policy=AddressPolicy(refuse=True))
    assert refused.value.code == "DR_INTERNAL_ADDRESS"


def test_lms_admin_may_disable_but_not_re_enable_their_registration(
    app, client, platform, platform_key
):
    """The attack: the installation's admins disabled a registration; its LMS administrator
    (launching while it was still active) switches it back on. 403; it stays disabled."""
    token = launch_token_of(launch(client, platform_key, "admin", sub="adm"))

    def post(status: str):
        return app.test_client().post(
            f"/admin/platforms/{platform.id}/status",
            data={"status": status, "launch_token": token, "csrf_token": launch_csrf(app, token)},
        )

    assert post("disabled").status_code == 303  # an emergency stop is theirs to pull
    with app.app_context():
        assert db.session.get(Platform, platform.id).status == "disabled"
    refused = post("active")
    assert refused.status_code in (401, 403)  # the disabled platform's token may already fail
    with app.app_context():
        assert db.session.get(Platform, platform.id).status == "disabled"


def test_enabling_is_for_installation_admins_only_in_the_service(app, platform):
    from lti_tool.admin.audit import Actor
    from lti_tool.admin.platforms import NotPermitted, set_platform_status
    from lti_tool.models import ActorKind, PlatformStatus

    lms_admin = Actor(ActorKind.PERSON, "Ann (LMS administrator)", 1, platform_id=platform.id)
    with app.app_context():
        row = db.session.get(Platform, platform.id)
        set_platform_status(row, PlatformStatus.DISABLED, cli_actor())
        with pytest.raises(NotPermitted):
            set_platform_status(row, PlatformStatus.ACTIVE, lms_admin)
        assert db.session.get(Platform, platform.id).status == "disabled"
        refused = db.session.scalars(
            select(Event).where(Event.verb == "platform.update_refused")
        ).one()
        assert refused.data["fields"] == ["status"]
        set_platform_status(row, PlatformStatus.ACTIVE, cli_actor())
        assert db.session.get(Platform, platform.id).status == "active"


def test_a_public_configuration_naming_internal_endpoints_is_refused(lms):
    """The configuration's own address is public, but its key set points inside the network."""
    lms.config_override = {"jwks_uri": "http://169.254.169.254/latest/meta-data/"}
    # The double runs on loopback: allowed here, standing in for the LMS's public address.
    policy = AddressPolicy(refuse=True, allowed=("127.0.0.1",))
    with pytest.raises(LtiError) as refused:
        fetch_platform_configuration(lms.config_url, "reg-token-1", 5, policy=policy)
    assert refused.value.code == "DR_INTERNAL_ADDRESS" and "jwks_uri" in refused.value.cause
    assert lms.received == []  # nothing was registered with the LMS


def test_development_warns_in_the_console_about_an_internal_key_set(app, console, platform):
    """Development accepts a loopback key set (the sandbox lives there) but says so."""
    before = _row(app, platform.id)
    saved = console.post(
        f"/admin/platforms/{platform.id}",
        data={**_form(before, name="Dev LMS"), "csrf_token": csrf_of(console)},
    )
    assert saved.status_code == 303
    page = console.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Production would refuse this" in page and "key_set_url" in page
