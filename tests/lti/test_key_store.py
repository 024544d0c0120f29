"""The key stores: private keys kept encrypted in the database (the default) or as files in a
mounted directory; loaded once into key objects, cached per kid, dropped on rotation; shared by
every app process that shares the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta

import jwt
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.models import SigningKeySecret, ToolKey, ToolKeyStatus

GRACE = timedelta(hours=72)


def _dir(app):
    return app.extensions["coproduce.settings"].LTI_KEYS_DIR


def test_database_store_keeps_the_private_key_sealed_and_no_file(app, ctx):
    signing = keys.signing_key(_dir(app))
    raw = db.session.execute(
        text("SELECT sealed_private_key FROM signing_keys WHERE kid = :kid"), {"kid": signing.kid}
    ).scalar_one()
    stored = raw.encode() if isinstance(raw, str) else bytes(raw)
    pem = signing.private_pem.encode()
    body = b"".join(pem.splitlines()[1:-1])  # the base64 body, whatever the line breaks
    assert b"PRIVATE KEY" not in stored and body[:64] not in stored and pem not in stored
    assert not _dir(app).exists() or not list(_dir(app).glob("*.pem"))
    token = jwt.encode({"sub": "x"}, signing.private_key, algorithm="RS256")
    published = keys.published_jwks(_dir(app), GRACE)["keys"][0]
    assert jwt.decode(token, jwt.PyJWK(published).key, algorithms=["RS256"])["sub"] == "x"


@pytest.mark.parametrize("store", ["database", "directory"])
def test_key_object_is_loaded_once_and_rotation_drops_it(make_app, store):
    app = make_app(KEY_STORE=store)
    with app.app_context():
        first = keys.signing_key(_dir(app))
        assert keys.signing_key(_dir(app)).private_key is first.private_key  # not re-parsed
        assert first.kid in keys.cached_kids()
        second = keys.rotate(_dir(app))
        assert first.kid not in keys.cached_kids()
        assert keys.signing_key(_dir(app)).kid == second.kid
        assert keys.cached_kids() == {second.kid}
        kids = {k["kid"] for k in keys.published_jwks(_dir(app), GRACE)["keys"]}
        assert kids == {first.kid, second.kid}  # the previous key stays published


def test_a_key_encryption_key_that_does_not_open_the_key_is_a_clear_error(make_app):
    app = make_app()
    with app.app_context():
        kid = keys.ensure_current_key(_dir(app)).kid
    other = make_app(KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode())
    keys._drop_cached_except(None)
    with other.app_context(), pytest.raises(keys.MissingKeyFile, match="KEY_ENCRYPTION_KEYS"):
        keys.signing_key(_dir(other))
    assert kid


def test_a_new_key_encryption_key_in_front_still_opens_and_reseals(make_app):
    old = Fernet.generate_key().decode()
    app = make_app(KEY_ENCRYPTION_KEYS=old)
    with app.app_context():
        kid = keys.signing_key(_dir(app)).kid
    new = Fernet.generate_key().decode()
    rotated = make_app(KEY_ENCRYPTION_KEYS=f"{new},{old}")
    keys._drop_cached_except(None)
    with rotated.app_context():
        assert keys.signing_key(_dir(rotated)).kid == kid
    resealed = rotated.test_cli_runner().invoke(args=["keys", "reseal"])
    assert resealed.exit_code == 0 and "resealed 1" in resealed.output
    only_new = make_app(KEY_ENCRYPTION_KEYS=new)
    keys._drop_cached_except(None)
    with only_new.app_context():
        assert keys.signing_key(_dir(only_new)).kid == kid


def test_switching_from_directory_to_database_imports_the_current_key(make_app):
    directory = make_app(KEY_STORE="directory")
    with directory.app_context():
        kid = keys.signing_key(_dir(directory)).kid
    database = make_app(KEY_STORE="database")
    keys._drop_cached_except(None)
    with database.app_context():
        assert keys.signing_key(_dir(database)).kid == kid
        assert db.session.get(SigningKeySecret, kid) is not None


def test_only_one_current_key_can_exist(app, ctx):
    keys.ensure_current_key(_dir(app))
    db.session.add(ToolKey(kid="second", public_jwk={}, status=ToolKeyStatus.CURRENT))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_first_key_race_lost_reads_the_winners_key(app, ctx, monkeypatch):
    winner = keys.ensure_current_key(_dir(app))
    # As if another process created its key between our read and our insert.
    real = keys.current_key_record
    calls = iter([None])
    monkeypatch.setattr(keys, "current_key_record", lambda: next(calls, None) or real())
    assert keys.ensure_current_key(_dir(app)).kid == winner.kid
    assert len(db.session.scalars(select(ToolKey)).all()) == 1


ROTATE_ELSEWHERE = """
import json, sys
from lti_tool import create_app
from lti_tool.lti import keys
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    print(keys.rotate(app.extensions["coproduce.settings"].LTI_KEYS_DIR).kid)
"""


def test_two_apps_with_no_shared_folder_share_keys_and_see_a_rotation(
    make_app, tmp_path, database_url
):
    here = make_app(
        INSTANCE_PATH=str(tmp_path / "a"),
        LTI_KEYS_DIR=str(tmp_path / "a-keys"),
        KEY_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )
    settings = here.extensions["coproduce.settings"]
    with here.app_context():
        first = keys.signing_key(_dir(here))
    # Another process: its own instance folder and key folder, the same database and KEK.
    elsewhere = {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": settings.SECRET_KEY,
        "KEY_ENCRYPTION_KEYS": settings.KEY_ENCRYPTION_KEYS,
        "LTI_TOOL_BASE_URL": "http://localhost",
        "INSTANCE_PATH": str(tmp_path / "b"),
        "LTI_KEYS_DIR": str(tmp_path / "b-keys"),
        "SANDBOX": False,
        "OUTBOX_INPROCESS_WORKER": False,
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", ROTATE_ELSEWHERE, json.dumps(elsewhere)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
        check=True,
    )
    new_kid = done.stdout.strip().splitlines()[-1]
    assert new_kid != first.kid
    assert not (tmp_path / "b-keys").exists() or not list((tmp_path / "b-keys").glob("*.pem"))
    with here.app_context():
        now = keys.signing_key(_dir(here))
        assert now.kid == new_kid  # the other process's key, opened here
        assert keys.cached_kids() == {new_kid}  # the old object dropped on seeing the rotation
        kids = {k["kid"] for k in keys.published_jwks(_dir(here), GRACE)["keys"]}
    assert kids == {first.kid, new_kid}
    assert here.test_client().get("/.well-known/jwks.json").get_json()["keys"]


def test_two_processes_making_the_first_key_at_once_agree_on_one(make_app, tmp_path):
    apps = [
        make_app(INSTANCE_PATH=str(tmp_path / name), LTI_KEYS_DIR=str(tmp_path / f"{name}-keys"))
        for name in ("a", "b")
    ]
    barrier = threading.Barrier(2)
    kids: list[str] = []
    errors: list[BaseException] = []

    def first_start(app) -> None:  # type: ignore[no-untyped-def]
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                kids.append(keys.signing_key(_dir(app)).kid)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=first_start, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(kids) == 2 and kids[0] == kids[1]
    with apps[0].app_context():
        current = db.session.scalars(
            select(ToolKey).where(ToolKey.status == ToolKeyStatus.CURRENT)
        ).all()
    assert [k.kid for k in current] == [kids[0]]
