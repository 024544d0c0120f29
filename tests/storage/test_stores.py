"""The two upload stores keep one contract: what is put is read back byte for byte, sizes and
existence are right, deletion removes, keys are only names the tool could have generated."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from lti_tool import storage
from lti_tool.extensions import db
from lti_tool.models import StoredFile
from lti_tool.storage import DatabaseStore, FilesystemStore, StorageError

BACKENDS = ["database", "filesystem"]
DATA = os.urandom(256 * 1024) + b"\x00\xff end"


@pytest.fixture(params=BACKENDS)
def store_app(request, make_app, tmp_path):
    return make_app(UPLOAD_STORE=request.param, UPLOAD_DIR=str(tmp_path / "uploads"))


def test_the_configured_backend_is_used(store_app, tmp_path):
    with store_app.app_context():
        store = storage.current()
        kind = store_app.extensions["coproduce.settings"].UPLOAD_STORE
        assert store.name == kind
        if kind == "filesystem":
            assert isinstance(store, FilesystemStore) and store.root == tmp_path / "uploads"
        else:
            assert isinstance(store, DatabaseStore)


def test_put_then_read_gives_the_same_bytes(store_app):
    with store_app.app_context():
        key = storage.new_key()
        assert not storage.exists(key) and storage.size(key) is None
        assert storage.open(key) is None and storage.read(key) is None
        storage.put(key, DATA)
        db.session.commit()
        assert storage.exists(key) and storage.size(key) == len(DATA)
        assert storage.read(key) == DATA
        stream = storage.open(key)
        assert stream is not None
        with stream:
            assert stream.read(10) == DATA[:10] and stream.read() == DATA[10:]
        assert storage.current().modified(key) is not None
        assert list(storage.current().keys()) == [key]


def test_put_again_replaces(store_app):
    with store_app.app_context():
        storage.put("k1", b"first")
        db.session.commit()
        storage.put("k1", b"second, longer")
        db.session.commit()
        assert storage.read("k1") == b"second, longer" and storage.size("k1") == 14


def test_delete_removes_and_is_quiet_when_absent(store_app):
    with store_app.app_context():
        storage.put("gone", b"bytes")
        storage.put("kept", b"other")
        db.session.commit()
        storage.delete("gone")
        db.session.commit()
        assert not storage.exists("gone") and storage.read("gone") is None
        assert storage.read("kept") == b"other"
        storage.delete("gone")  # again: nothing happens
        storage.delete("never-there")
        db.session.commit()
        assert list(storage.current().keys()) == ["kept"]


@pytest.mark.parametrize("key", ["../secret", "a/b", "", "x" * 65, ".hidden", "a b", "é"])
def test_keys_that_could_be_paths_are_refused(store_app, key):
    with store_app.app_context():
        with pytest.raises(StorageError):
            storage.put(key, b"x")
        assert storage.read(key) is None and not storage.exists(key)
        storage.delete(key)  # refused quietly: nothing outside the store is touched


def test_a_path_outside_the_folder_is_never_read(make_app, tmp_path):
    (tmp_path / "secret").write_bytes(b"not an upload")
    app = make_app(UPLOAD_STORE="filesystem", UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        storage.put("real", b"upload")
        assert storage.read("../secret") is None
        assert list(storage.current().keys()) == ["real"]


def test_database_writes_go_with_the_transaction(make_app):
    """A refused action rolls back: its file goes too, and a committed one stays."""
    app = make_app(UPLOAD_STORE="database")
    with app.app_context():
        storage.put("rolled", b"x")
        assert storage.exists("rolled")  # visible inside the transaction
        db.session.rollback()
        assert not storage.exists("rolled")
        storage.put("kept", b"y")
        db.session.commit()
        db.session.remove()
        assert db.session.scalars(select(StoredFile.key)).all() == ["kept"]


def test_database_size_does_not_read_the_bytes(make_app):
    app = make_app(UPLOAD_STORE="database")
    with app.app_context():
        storage.put("big", b"z" * 1000)
        db.session.commit()
        db.session.remove()
        row = db.session.get(StoredFile, "big")
        assert row is not None and row.size == 1000
        assert "data" not in row.__dict__  # deferred: loaded only when asked for


def test_a_filesystem_write_leaves_no_partial_file(make_app, tmp_path, monkeypatch):
    app = make_app(UPLOAD_STORE="filesystem", UPLOAD_DIR=str(tmp_path / "uploads"))

    def failing_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    with app.app_context():
        monkeypatch.setattr("lti_tool.storage.filesystem.os.replace", failing_replace)
        with pytest.raises(OSError):
            storage.put("half", b"data")
        monkeypatch.undo()
        assert list((tmp_path / "uploads").iterdir()) == []
        assert not storage.exists("half")


def test_the_upload_store_setting_is_checked(make_app):
    from lti_tool.settings import SettingsError

    with pytest.raises(SettingsError, match="UPLOAD_STORE"):
        make_app(UPLOAD_STORE="s3")


def test_the_default_store_is_the_database_and_the_folder_is_the_old_one(make_app, tmp_path):
    app = make_app()
    settings = app.extensions["coproduce.settings"]
    assert settings.UPLOAD_STORE == "database"
    assert settings.UPLOAD_DIR == tmp_path / "instance" / "feedback_uploads"
