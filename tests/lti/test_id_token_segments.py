"""The id_token's segments are checked by lti.launch's own PyJWS (one regular expression
instead of PyJWT's loop over each byte): it must accept and refuse exactly what PyJWT does."""

from __future__ import annotations

import pytest
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError

from lti_tool.lti.launch import _JWS

SEGMENTS = [
    b"",
    b"e30",  # {}
    b"e30=",  # padded, wrong length
    b"eyJhIjoxfQ",
    b"eyJhIjoxfQ==",  # padded to a multiple of four
    b"eyJhIjoxfQ===",
    b"eyJhIjoxfR",  # non-canonical: unused low bits set
    b"eyJhIjox!Q",
    b"eyJh Ijox",
    b"eyJh\nIjox",
    b"eyJhIjoxf",  # length 1 mod 4
    b"ab+/",  # standard base64, not base64url
    b"-_-_",
    b"=",
    b"==",
    b"a=b=",
    "é".encode(),
]


def _outcome(check, segment: bytes) -> bytes | str:
    try:
        return check(segment, "Header")
    except DecodeError as exc:
        return f"refused: {exc}"


@pytest.mark.parametrize("segment", SEGMENTS, ids=[repr(s) for s in SEGMENTS])
def test_segments_are_judged_as_pyjwt_judges_them(segment):
    assert _outcome(_JWS._decode_base64url_segment, segment) == _outcome(
        PyJWS._decode_base64url_segment, segment
    )
