"""Settings: defaults, environment, and production's refusals."""

import pytest
from cryptography.fernet import Fernet

from lti_tool import create_app
from lti_tool.settings import SettingsError, load_settings


def test_defaults_use_sqlite_under_instance_and_a_kept_secret(tmp_path):
    env = {"APP_ENV": "development", "INSTANCE_PATH": str(tmp_path)}
    first = load_settings(environ=env)
    assert first.DATABASE_URL == f"sqlite:///{tmp_path / 'coproduce.sqlite3'}"
    assert len(first.SECRET_KEY) >= 32
    assert load_settings(environ=env).SECRET_KEY == first.SECRET_KEY  # kept across restarts
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_overrides(tmp_path):
    s = load_settings(
        environ={
            "APP_ENV": "development",
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "postgres://u@h/db",
            "SANDBOX": "1",
            "LTI_TOOL_BASE_URL": "https://tool.example/",
            "LAUNCH_TOKEN_TTL_SECONDS": "60",
        }
    )
    assert s.DATABASE_URL == "postgresql+psycopg://u@h/db"
    assert s.SANDBOX is True
    assert s.LTI_TOOL_BASE_URL == "https://tool.example"
    assert s.LAUNCH_TOKEN_TTL_SECONDS == 60


PROD = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "LTI_TOOL_BASE_URL": "https://tool.example",
    "KEY_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "at least 32"),
        ({"SANDBOX": "1"}, "SANDBOX must be off"),
        ({"LTI_TOOL_BASE_URL": "http://tool.example"}, "https://"),
        ({"LAUNCH_TOKEN_TTL_SECONDS": "soon"}, "whole number"),
        ({"KEY_ENCRYPTION_KEYS": ""}, "KEY_ENCRYPTION_KEYS must be set in production"),
        ({"KEY_ENCRYPTION_KEYS": "not-a-key"}, "KEY_ENCRYPTION_KEYS: key 1"),
        ({"KEY_STORE": "vault"}, "KEY_STORE must be database or directory"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, changes, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={**PROD, "INSTANCE_PATH": str(tmp_path), **changes})


def test_production_app_starts_with_safe_settings(tmp_path):
    app = create_app(
        {**PROD, "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/p.db"}
    )
    assert "sandbox" not in app.blueprints
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_sandbox_blueprint_only_when_enabled(tmp_path):
    # No in-process worker: its thread would outlive the test against a database with no tables.
    dev = {
        "APP_ENV": "development",
        "INSTANCE_PATH": str(tmp_path),
        "OUTBOX_INPROCESS_WORKER": False,
    }
    on = create_app({**dev, "SANDBOX": True})
    off = create_app({**dev, "SANDBOX": False})
    assert "sandbox" in on.blueprints and "sandbox" not in off.blueprints
    assert off.test_client().get("/sandbox/").status_code == 404


def test_an_unset_app_env_means_production(tmp_path, monkeypatch):
    """Forgetting APP_ENV must not open anything: production's refusals and defaults apply."""
    monkeypatch.delenv("APP_ENV", raising=False)
    bare = {"INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        load_settings(environ=bare)
    safe = {k: v for k, v in PROD.items() if k != "APP_ENV"}
    s = load_settings(environ={**safe, **bare})
    assert s.APP_ENV == "production" and s.is_production
    assert s.DYNAMIC_REGISTRATION == "invite"  # not open to any LMS that finds the URL
    with pytest.raises(SettingsError, match="SANDBOX must be off"):
        load_settings(environ={**safe, **bare, "SANDBOX": "1"})
    with pytest.raises(SettingsError, match="https://"):
        load_settings(environ={**safe, **bare, "LTI_TOOL_BASE_URL": "http://tool.example"})
    app = create_app(
        {
            **safe,
            **bare,
            "DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
            "OUTBOX_INPROCESS_WORKER": False,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True and not app.testing
    assert "sandbox" not in app.blueprints
    assert app.test_client().get("/sandbox/").status_code == 404


def test_production_with_mounted_key_directory_needs_no_key_encryption_key(tmp_path):
    settings = load_settings(
        environ={
            **PROD,
            "INSTANCE_PATH": str(tmp_path),
            "KEY_ENCRYPTION_KEYS": "",
            "KEY_STORE": "directory",
        }
    )
    assert settings.KEY_STORE == "directory"
