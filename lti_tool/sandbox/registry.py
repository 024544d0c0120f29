"""The sandbox LMS's own record of tools registered with it: the built-in registration of
Coproduce, plus any made by Dynamic Registration. Kept in a JSON file under the instance folder
(the sandbox is a test platform; its data stays out of the tool's schema)."""

from __future__ import annotations

import fcntl
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lti_tool.sandbox.roster import CLIENT_ID, DEPLOYMENT_ID
from lti_tool.settings import Settings


@dataclass(frozen=True)
class ToolRegistration:
    client_id: str
    deployment_id: str
    name: str
    initiate_login_uri: str
    redirect_uris: tuple[str, ...]
    jwks_uri: str
    target_link_uri: str
    scopes: tuple[str, ...] = ()
    messages: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    dynamic: bool = False


def builtin(settings: Settings) -> ToolRegistration:
    tool = settings.LTI_TOOL_BASE_URL
    return ToolRegistration(
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        name="Coproduce (built in)",
        initiate_login_uri=tool + "/lti/login",
        redirect_uris=(tool + "/lti/launch",),
        jwks_uri=tool + "/.well-known/jwks.json",
        target_link_uri=tool + "/lti/launch",
    )


def _path(settings: Settings) -> Path:
    return settings.INSTANCE_PATH / "sandbox_registrations.json"


@contextmanager
def _locked(settings: Settings) -> Iterator[dict[str, Any]]:
    """The registry document, locked against other processes while it is read and rewritten."""
    path = _path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        document = json.loads(path.read_text()) if path.exists() else {}
        document.setdefault("registrations", [])
        document.setdefault("used_tokens", [])
        yield document
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(document, indent=1))
        tmp.replace(path)


def _load(raw: dict[str, Any]) -> ToolRegistration:
    raw = dict(raw)
    raw["redirect_uris"] = tuple(raw.get("redirect_uris", ()))
    raw["scopes"] = tuple(raw.get("scopes", ()))
    raw["messages"] = tuple(raw.get("messages", ()))
    return ToolRegistration(**raw)


def registrations(settings: Settings) -> list[ToolRegistration]:
    path = _path(settings)
    dynamic = []
    if path.exists():
        dynamic = [_load(r) for r in json.loads(path.read_text()).get("registrations", [])]
    return [builtin(settings), *dynamic]


def find(settings: Settings, client_id: str | None) -> ToolRegistration | None:
    return next((r for r in registrations(settings) if r.client_id == client_id), None)


def add_dynamic(settings: Settings, token_id: str, values: dict[str, Any]) -> ToolRegistration:
    """Store a dynamically registered tool; the registration token is spent in the same write."""
    suffix = secrets.token_hex(4)
    registration = ToolRegistration(
        client_id=f"sandbox-dr-{suffix}",
        deployment_id=f"sandbox-dr-deployment-{suffix}",
        dynamic=True,
        **values,
    )
    with _locked(settings) as document:
        if token_id in document["used_tokens"]:
            raise PermissionError("registration token already used")
        document["used_tokens"].append(token_id)
        document["registrations"].append(asdict(registration))
    return registration
