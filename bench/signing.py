"""Signing a client assertion / deep linking response: the key handed over as a PEM string each
time (what the tool did before: PyJWT and pylti1p3 re-parse it, and cryptography re-checks the
RSA key on every parse) against the loaded key object cached per kid, in one run.

    .venv/bin/python bench/signing.py [--runs 5] [--signatures 50]

Arms (each timed over --signatures signatures, --runs times; medians with min/max):
  pem          jwt.encode(body, private_pem) — a parse per signature
  object       jwt.encode(body, key_object) — the bare signature
  tool         lti_tool.lti.access_tokens.client_assertion on a fresh app (database key store):
               the current-key read from the database plus the cached object's signature
  deep_link    lti_tool.lti.deep_linking.response_jwt (pylti1p3 frame, our signature)
Nothing is asserted: the figures and ratios are printed.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

from _app import bench_app


def _per_signature_ms(sign: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        sign()
    return (time.perf_counter() - started) * 1000 / count


def _summary(samples: list[float]) -> str:
    return (
        f"median {statistics.median(samples):8.3f} ms  "
        f"(min {min(samples):.3f}, max {max(samples):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--signatures", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    import jwt

    from lti_tool.extensions import db
    from lti_tool.lti import keys
    from lti_tool.lti.access_tokens import client_assertion
    from lti_tool.lti.deep_linking import response_jwt
    from lti_tool.lti.services import PlatformRef
    from lti_tool.models import Platform

    app = bench_app("coproduce-signing-", args.database_url)
    with app.app_context():
        db.create_all()
        keys_dir = app.extensions["coproduce.settings"].LTI_KEYS_DIR
        key = keys.signing_key(keys_dir)
        pem = key.private_pem
        platform = Platform(
            name="Bench LMS",
            issuer="https://lms.example",
            client_id="bench-client",
            auth_login_url="https://lms.example/auth",
            auth_token_url="https://lms.example/token",  # noqa: S106 - a URL
            key_set_url="https://lms.example/jwks",
        )
        db.session.add(platform)
        db.session.commit()
        ref = PlatformRef.of(platform)

        def body() -> dict[str, object]:
            now = int(time.time())
            return {"iss": "c", "sub": "c", "aud": "a", "iat": now, "exp": now + 300,
                    "jti": uuid.uuid4().hex}  # fmt: skip

        arms: dict[str, Callable[[], object]] = {
            "pem": lambda: jwt.encode(body(), pem, algorithm="RS256", headers={"kid": key.kid}),
            "object": lambda: jwt.encode(
                body(), key.private_key, algorithm="RS256", headers={"kid": key.kid}
            ),
            "tool": lambda: client_assertion(ref, keys_dir),
            "deep_link": lambda: response_jwt(
                platform, "deployment-1", "opaque", [], keys_dir=keys_dir
            ),
        }
        for sign in arms.values():
            sign()  # warm up
        samples: dict[str, list[float]] = {name: [] for name in arms}
        for _ in range(args.runs):
            for name, sign in arms.items():  # interleaved, so machine noise hits every arm
                samples[name].append(_per_signature_ms(sign, args.signatures))
        dialect = db.engine.dialect.name
        db.session.remove()
        db.drop_all()

    print(f"RS256 signatures, {args.signatures} per run, {args.runs} runs ({dialect})")
    print(f"  PEM each time (before)   : {_summary(samples['pem'])}")
    print(f"  cached key object (after): {_summary(samples['object'])}")
    print(f"  tool client_assertion    : {_summary(samples['tool'])}")
    print(f"  tool deep linking answer : {_summary(samples['deep_link'])}")
    pem_ms = statistics.median(samples["pem"])
    for label, name in (
        ("object", "object"),
        ("client_assertion", "tool"),
        ("deep link", "deep_link"),
    ):
        ratio = pem_ms / statistics.median(samples[name])
        print(f"  before/after ratio (PEM / {label}): {ratio:.1f}x")


if __name__ == "__main__":
    main()
