"""Typed settings: lti_tool/defaults.py, then the environment, then explicit overrides.

Relative paths (INSTANCE_PATH, LTI_KEYS_DIR) are taken from the current working directory, so an
installed tool keeps its state where it is started (scripts/serve starts it in the checkout).

Production refuses to start with settings that would be unsafe there (no secret key, the sandbox
LMS switched on, a plain-http public URL), rather than silently running with a development default.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from lti_tool import defaults as default_settings
from lti_tool.lti.sealing import parse_keys


class SettingsError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def package_folder(name: str) -> str:
    """A folder shipped inside the package (templates, migrations) as a path on disk: Jinja's
    loader and Alembic read folders, and an installed wheel is always unpacked."""
    folder = resources.files("lti_tool") / name
    if not isinstance(folder, Path) or not folder.is_dir():
        raise SettingsError(f"the package folder lti_tool/{name} is missing from this install")
    return str(folder)


@dataclass(frozen=True)
class Settings:
    APP_ENV: str
    DATABASE_URL: str
    SECRET_KEY: str
    LTI_TOOL_BASE_URL: str
    LTI_KEYS_DIR: Path
    KEY_ROTATION_GRACE_HOURS: int
    LAUNCH_TOKEN_TTL_SECONDS: int
    LINK_TICKET_TTL_SECONDS: int
    LOGIN_STATE_TTL_SECONDS: int
    JWT_LEEWAY_SECONDS: int
    PLATFORM_JWKS_TTL_SECONDS: int
    HTTP_TIMEOUT_SECONDS: int
    PROXY_FIX_HOPS: int
    SANDBOX: bool
    SANDBOX_BASE_URL: str
    LOG_LEVEL: str
    DYNAMIC_REGISTRATION: str
    REGISTRATION_INVITE_TTL_HOURS: int
    OUTBOX_INPROCESS_WORKER: bool
    OUTBOX_CONCURRENCY: int
    OUTBOX_BATCH_SIZE: int
    OUTBOX_MAX_ATTEMPTS: int
    OUTBOX_BACKOFF_BASE_MS: int
    OUTBOX_BACKOFF_CAP_SECONDS: int
    OUTBOX_LEASE_SECONDS: int
    ARTIFACT_LINK_DAYS: int
    PLATFORM_URL_ALLOW_INTERNAL: str
    TOKEN_ENCRYPTION_KEYS: str
    INSTANCE_PATH: Path
    REGISTRATION_CACHE_SECONDS: int
    DB_POOL_SIZE: int
    DB_MAX_OVERFLOW: int
    LOG_FORMAT: str
    METRICS_TOKEN: str
    JOB_SCHEDULER: bool
    JOB_PHASES_INTERVAL_SECONDS: int
    JOB_NOTICES_INTERVAL_SECONDS: int
    JOB_ROSTER_INTERVAL_SECONDS: int
    JOB_ROSTER_LOOKAHEAD_HOURS: int
    JOB_ROSTER_MAX_AGE_HOURS: int
    JOB_CLEANUP_INTERVAL_SECONDS: int
    JOB_RETENTION_INTERVAL_SECONDS: int
    SMTP_HOST: str
    SMTP_PORT: int
    SMTP_TLS: str
    SMTP_USERNAME: str
    SMTP_PASSWORD: str
    MAIL_FROM: str
    JOB_REMINDERS_INTERVAL_SECONDS: int
    REMINDER_DUE_SOON_HOURS: int
    WORKER_HEARTBEAT_MAX_AGE_SECONDS: int
    EXTRA_ACTIVITY_KINDS: str
    UPLOAD_STORE: str
    UPLOAD_DIR: Path
    KEY_STORE: str
    KEY_ENCRYPTION_KEYS: str

    @property
    def is_production(self) -> bool:
        return self.APP_ENV == "production"

    @property
    def wants_email(self) -> bool:
        """E-mail addresses are asked for and kept only when the tool sends mail."""
        return bool(self.SMTP_HOST.strip())


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"{name} must be a whole number, got {value!r}") from exc
    if kind is Path:
        path = Path(value)
        return path if path.is_absolute() else Path.cwd() / path
    return str(value)


_TYPES: dict[str, type] = {
    "KEY_ROTATION_GRACE_HOURS": int,
    "LAUNCH_TOKEN_TTL_SECONDS": int,
    "LINK_TICKET_TTL_SECONDS": int,
    "LOGIN_STATE_TTL_SECONDS": int,
    "JWT_LEEWAY_SECONDS": int,
    "PLATFORM_JWKS_TTL_SECONDS": int,
    "HTTP_TIMEOUT_SECONDS": int,
    "PROXY_FIX_HOPS": int,
    "REGISTRATION_INVITE_TTL_HOURS": int,
    "OUTBOX_INPROCESS_WORKER": bool,
    "OUTBOX_CONCURRENCY": int,
    "OUTBOX_BATCH_SIZE": int,
    "OUTBOX_MAX_ATTEMPTS": int,
    "OUTBOX_BACKOFF_BASE_MS": int,
    "OUTBOX_BACKOFF_CAP_SECONDS": int,
    "OUTBOX_LEASE_SECONDS": int,
    "ARTIFACT_LINK_DAYS": int,
    "REGISTRATION_CACHE_SECONDS": int,
    "DB_POOL_SIZE": int,
    "DB_MAX_OVERFLOW": int,
    "SANDBOX": bool,
    "LTI_KEYS_DIR": Path,
    "INSTANCE_PATH": Path,
    "JOB_SCHEDULER": bool,
    "JOB_PHASES_INTERVAL_SECONDS": int,
    "JOB_NOTICES_INTERVAL_SECONDS": int,
    "JOB_ROSTER_INTERVAL_SECONDS": int,
    "JOB_ROSTER_LOOKAHEAD_HOURS": int,
    "JOB_ROSTER_MAX_AGE_HOURS": int,
    "JOB_CLEANUP_INTERVAL_SECONDS": int,
    "JOB_RETENTION_INTERVAL_SECONDS": int,
    "SMTP_PORT": int,
    "JOB_REMINDERS_INTERVAL_SECONDS": int,
    "REMINDER_DUE_SOON_HOURS": int,
    "WORKER_HEARTBEAT_MAX_AGE_SECONDS": int,
    "UPLOAD_DIR": Path,
}


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings from defaults, the environment and `overrides` (highest wins)."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    raw: dict[str, Any] = {"INSTANCE_PATH": "instance"}
    defaults = vars(default_settings)
    for f in fields(Settings):
        if f.name in defaults:
            raw[f.name] = defaults[f.name]
        if f.name in environ:
            raw[f.name] = environ[f.name]
        if f.name in overrides:
            raw[f.name] = overrides[f.name]
    values = {
        f.name: _coerce(f.name, raw[f.name], _TYPES.get(f.name, str)) for f in fields(Settings)
    }
    values["LTI_TOOL_BASE_URL"] = values["LTI_TOOL_BASE_URL"].rstrip("/")
    values["SANDBOX_BASE_URL"] = values["SANDBOX_BASE_URL"].rstrip("/")
    instance: Path = values["INSTANCE_PATH"]
    if not str(raw.get("UPLOAD_DIR") or ""):
        values["UPLOAD_DIR"] = instance / "feedback_uploads"  # where uploads were always kept
    values["UPLOAD_STORE"] = values["UPLOAD_STORE"].strip().lower()
    if values["UPLOAD_STORE"] not in {"database", "filesystem"}:
        raise SettingsError("UPLOAD_STORE must be database or filesystem")

    if values["APP_ENV"] not in {"development", "production", "test"}:
        raise SettingsError("APP_ENV must be development, production or test")
    production = values["APP_ENV"] == "production"
    if production:
        if not values["SECRET_KEY"]:
            raise SettingsError("SECRET_KEY must be set in production (it signs launch tokens)")
        if len(values["SECRET_KEY"]) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters in production")
        if values["SANDBOX"]:
            raise SettingsError("SANDBOX must be off in production")
        if not values["LTI_TOOL_BASE_URL"].startswith("https://"):
            raise SettingsError("LTI_TOOL_BASE_URL must be https:// in production")
    mode = values["DYNAMIC_REGISTRATION"].strip().lower() or ("invite" if production else "open")
    if mode not in {"open", "invite", "off"}:
        raise SettingsError("DYNAMIC_REGISTRATION must be open, invite or off")
    values["DYNAMIC_REGISTRATION"] = mode
    log_format = values["LOG_FORMAT"].strip().lower() or ("json" if production else "console")
    if log_format not in {"json", "console"}:
        raise SettingsError("LOG_FORMAT must be json or console")
    values["LOG_FORMAT"] = log_format
    try:
        parse_keys(values["TOKEN_ENCRYPTION_KEYS"])
        parse_keys(values["KEY_ENCRYPTION_KEYS"], "KEY_ENCRYPTION_KEYS")
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    values["KEY_STORE"] = values["KEY_STORE"].strip().lower()
    if values["KEY_STORE"] not in {"database", "directory"}:
        raise SettingsError("KEY_STORE must be database or directory")
    if production and values["KEY_STORE"] == "database" and not values["KEY_ENCRYPTION_KEYS"]:
        raise SettingsError(
            "KEY_ENCRYPTION_KEYS must be set in production when KEY_STORE is database "
            "(it encrypts the tool's private keys in the database); or set KEY_STORE=directory"
        )
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _local_secret_key(instance)
    if not values["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        values["DATABASE_URL"] = f"sqlite:///{instance / 'coproduce.sqlite3'}"
    values["DATABASE_URL"] = _with_driver(values["DATABASE_URL"])
    return Settings(**values)


def load_settings_value(name: str) -> str:
    """One setting as the environment or lti_tool/defaults.py gives it, unchecked (for code that
    runs before the settings are loaded, such as gunicorn's master process)."""
    if name in os.environ:
        return os.environ[name]
    return str(getattr(default_settings, name, ""))


def _with_driver(url: str) -> str:
    """Accept the usual postgres:// spellings and use psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _local_secret_key(instance: Path) -> str:
    """A secret generated once and kept under instance/, so local launches survive restarts."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
