"""Issue 11, item 9/10: platform access tokens are stored encrypted, with rotatable keys."""

from __future__ import annotations

import pytest
import requests
from cryptography.fernet import Fernet
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.lti import ags
from lti_tool.lti.access_tokens import access_token
from lti_tool.lti.http import new_session
from lti_tool.lti.sealing import cipher, derived_key, seal
from lti_tool.lti.services import PlatformRef
from lti_tool.models import AccessToken, Platform
from lti_tool.sandbox.roster import CLIENT_ID
from lti_tool.settings import SettingsError, load_settings


def _token(live) -> str:
    platform = PlatformRef.of(
        db.session.scalars(select(Platform).where(Platform.client_id == CLIENT_ID)).one()
    )
    return access_token(
        platform,
        (ags.SCOPE_SCORE,),
        keys_dir=live.settings.LTI_KEYS_DIR,
        session=new_session(),
        timeout=5,
    )


def test_a_token_read_from_the_database_does_not_work_against_the_platform(live):
    """The attack: read the access_token table (a backup, an injection) and call the platform's
    service with what is there. The platform refuses it; the tool's own token works."""
    with live.app.app_context():
        token = _token(live)
        stored = db.session.scalars(select(AccessToken.token)).one()
    assert token not in stored
    url = live.url + "/sandbox/api/lineitems"
    with_stored = requests.get(url, headers={"Authorization": f"Bearer {stored}"}, timeout=5)
    assert with_stored.status_code == 401
    with_real = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert with_real.status_code != 401
    # It is Fernet under the key derived from SECRET_KEY (no dedicated key configured).
    assert Fernet(derived_key(live.settings.SECRET_KEY)).decrypt(stored.encode()).decode() == token


def test_a_plaintext_row_from_before_encryption_is_replaced(live):
    with live.app.app_context():
        first = _token(live)
        db.session.execute(db.update(AccessToken).values(token=first))  # as stored before
        db.session.commit()
        second = _token(live)
        stored = db.session.scalars(select(AccessToken.token)).one()
    assert second != first and second not in stored and first not in stored
    assert live.stats()["token_requests"] == 2


def test_keys_rotate_with_reseal(live_factory):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    live = live_factory(TOKEN_ENCRYPTION_KEYS=old)
    with live.app.app_context():
        token = _token(live)
        before = db.session.scalars(select(AccessToken.token)).one()
    assert Fernet(old).decrypt(before.encode()).decode() == token
    # The new key in front; the old one still opens what is stored until resealed.
    rotated = cipher(live.settings.SECRET_KEY, f"{new},{old}")
    assert rotated.decrypt(before.encode()).decode() == token
    resealed = rotated.rotate(before.encode())
    assert Fernet(new).decrypt(resealed).decode() == token


def test_reseal_command_reencrypts_and_drops_unreadable(make_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(TOKEN_ENCRYPTION_KEYS=old)
    with app.app_context():
        from lti_tool.models import utcnow

        for key, value in (("a" * 64, seal("tok-1")), ("b" * 64, "plaintext-token")):
            db.session.add(
                AccessToken(
                    cache_key=key,
                    issuer="i",
                    client_id="c",
                    scopes="s",
                    token=value,
                    expires_at=utcnow(),
                )
            )
        db.session.commit()
    rotated = make_app(TOKEN_ENCRYPTION_KEYS=f"{new},{old}")
    result = rotated.test_cli_runner().invoke(args=["keys", "reseal-tokens"])
    assert (
        result.exit_code == 0 and "re-encrypted 1" in result.output and "dropped 1" in result.output
    )
    with rotated.app_context():
        (row,) = db.session.scalars(select(AccessToken)).all()
        assert Fernet(new).decrypt(row.token.encode()).decode() == "tok-1"


def test_a_malformed_encryption_key_stops_start_up():
    with pytest.raises(SettingsError, match="TOKEN_ENCRYPTION_KEYS"):
        load_settings({"TOKEN_ENCRYPTION_KEYS": "not-a-key", "APP_ENV": "test"}, environ={})
