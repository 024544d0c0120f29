"""The health view: is the database answering, is there a usable signing key, and can each
platform's JWKS be fetched (the first thing a launch needs)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from lti_tool.extensions import db
from lti_tool.lti import keys
from lti_tool.lti.http import new_session
from lti_tool.models import Platform


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    started = time.perf_counter()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Check("Database", False, f"not answering: {exc.__class__.__name__}")
    ms = (time.perf_counter() - started) * 1000
    return Check("Database", True, f"{db.engine.dialect.name}, answered in {ms:.1f} ms")


def check_keys(keys_dir: Path) -> Check:
    try:
        key = keys.signing_key(keys_dir)
    except keys.MissingKeyFile as exc:
        return Check("Signing key", False, str(exc))
    return Check("Signing key", True, f"current key {key.kid}")


def check_platform_jwks(platform: Platform, timeout: float) -> Check:
    name = f"{platform.name}: public keys"
    try:
        response = new_session().get(platform.key_set_url, timeout=timeout)
    except requests.RequestException as exc:
        return Check(name, False, f"unreachable ({exc.__class__.__name__})")
    if response.status_code != 200:
        return Check(name, False, f"HTTP {response.status_code} from {platform.key_set_url}")
    try:
        count = len(response.json()["keys"])
    except (ValueError, KeyError, TypeError):
        return Check(name, False, "the answer is not a JWKS document")
    return Check(name, True, f"{count} key(s) published")


def run_checks(keys_dir: Path, platforms: list[Platform], timeout: float = 5.0) -> list[Check]:
    checks = [check_database()]
    checks.append(check_keys(keys_dir))
    checks.extend(check_platform_jwks(p, timeout) for p in platforms)
    return checks
