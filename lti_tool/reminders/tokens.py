"""One-click unsubscribe links: a signed token naming the person and the kind of reminder, so
the page works from the mail alone (no launch, no sign-in). Signed with SECRET_KEY under a salt
of its own, so no other token of the tool is accepted here."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "coproduce.mail.unsubscribe"


def make_token(secret_key: str, person_id: int, kind: str) -> str:
    return URLSafeSerializer(secret_key, salt=SALT).dumps([person_id, kind])


def read_token(secret_key: str, token: str) -> tuple[int, str] | None:
    """(person id, kind), or None for a token that was not made here."""
    try:
        value = URLSafeSerializer(secret_key, salt=SALT).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def unsubscribe_url(base_url: str, secret_key: str, person_id: int, kind: str) -> str:
    return f"{base_url.rstrip('/')}/mail/unsubscribe/{make_token(secret_key, person_id, kind)}"
