"""The console's Privacy pages: who may use them (installation admins everywhere, an LMS
administrator on their own platform only, nobody else), CSRF on every POST, and the export,
erasure and retention actions through them."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import Event, Person, RetentionRule
from tests.admin.test_console import _tokens, console, launch_csrf  # noqa: F401
from tests.builders import error_code, launch, launch_token_of


def routes(p: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/admin/privacy"),
        ("POST", "/admin/privacy/export"),
        ("POST", "/admin/privacy/erase"),
        ("GET", "/admin/privacy/retention"),
        ("POST", f"/admin/privacy/retention/{p}"),
        ("POST", f"/admin/privacy/retention/{p}/dry-run"),
        ("POST", f"/admin/privacy/retention/{p}/arm"),
    ]


def _csrf(client) -> str:
    page = client.get("/admin/privacy").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_students_teachers_and_anonymous_get_403(app, client, platform, platform_key, jwks):
    tokens = _tokens(app, client, platform_key, jwks)
    for method, path in routes(platform.id):
        assert app.test_client().open(path, method=method).status_code == 403, path
        for who in ("student", "facilitator"):
            token = tokens[who]
            if method == "GET":
                r = app.test_client().get(path, headers={"X-Launch-Token": token})
            else:
                data = {
                    "launch_token": token,
                    "csrf_token": launch_csrf(app, token),
                    "platform_id": str(platform.id),
                    "sub": "s",
                }
                r = app.test_client().post(path, data=data)
            assert r.status_code == 403, (method, path, who)
            assert error_code(r).startswith("ADMIN_")
    # Another platform's LMS administrator may not act on this platform's people or rules.
    other = tokens["other platform's admin"]
    for method, path in routes(platform.id):
        if method == "GET":
            continue
        data = {
            "launch_token": other,
            "csrf_token": launch_csrf(app, other),
            "platform_id": str(platform.id),
            "sub": "s",
            "confirm": "s",
            "days": "1",
        }
        r = app.test_client().post(path, data=data)
        assert r.status_code == 403, path
    with app.app_context():
        assert db.session.scalars(select(Person).where(Person.sub == "s")).one().name
        assert db.session.scalars(select(RetentionRule)).first() is None
    page = app.test_client().get("/admin/privacy/retention", headers={"X-Launch-Token": other})
    # Their retention page shows their own platform only, not this one's courses.
    assert page.status_code == 200 and "Biology 101" not in page.get_data(as_text=True)


def test_posts_without_csrf_are_refused(app, console, platform):  # noqa: F811
    for method, path in routes(platform.id):
        if method == "POST":
            r = console.post(path, data={"platform_id": str(platform.id), "sub": "s"})
            assert r.status_code == 400, path
            assert error_code(r) == "CSRF_FAILED"


def test_inventory_page_lists_personal_columns(app, console, platform):  # noqa: F811
    html = console.get("/admin/privacy").get_data(as_text=True)
    assert "feedback_submission" in html and "given_name" in html and "LTI `sub`" in html


def test_export_and_erase_from_the_console(app, console, client, platform, platform_key):  # noqa: F811
    launch(client, platform_key, "student", sub="stu-9", name="Zed Zulu")
    csrf = _csrf(console)
    r = console.post(
        "/admin/privacy/export",
        data={"csrf_token": csrf, "platform_id": platform.id, "sub": "stu-9"},
    )
    assert r.status_code == 200 and r.mimetype == "application/zip"
    person = zipfile.ZipFile(io.BytesIO(r.get_data())).read("person.json").decode()
    assert "Zed Zulu" in person
    missing = console.post(
        "/admin/privacy/export",
        data={"csrf_token": csrf, "platform_id": platform.id, "sub": "nobody"},
    )
    assert missing.status_code == 303
    # The first POST shows what will happen, including the LMS's part.
    page = console.post(
        "/admin/privacy/erase",
        data={"csrf_token": csrf, "platform_id": platform.id, "sub": "stu-9"},
    )
    assert page.status_code == 200 and "stay there" in page.get_data(as_text=True)
    wrong = console.post(
        "/admin/privacy/erase",
        data={"csrf_token": csrf, "platform_id": platform.id, "sub": "stu-9", "confirm": "stu-"},
    )
    assert wrong.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Person).where(Person.sub == "stu-9")).one()
    done = console.post(
        "/admin/privacy/erase",
        data={"csrf_token": csrf, "platform_id": platform.id, "sub": "stu-9", "confirm": "stu-9"},
    )
    assert done.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Person).where(Person.sub == "stu-9")).first() is None
        assert db.session.scalars(select(Person).where(Person.name == "Zed Zulu")).first() is None
        verbs = [e.verb for e in db.session.scalars(select(Event))]
        assert "privacy.exported" in verbs and "privacy.erased" in verbs


def test_lms_admin_exports_and_sets_retention_on_their_platform(
    app, client, platform, platform_key
):
    launch(client, platform_key, "student", sub="stu-1", name="Yan Young")
    token = launch_token_of(launch(client, platform_key, "admin", sub="adm"))
    fresh = app.test_client()
    base = {
        "launch_token": token,
        "csrf_token": launch_csrf(app, token),
        "platform_id": str(platform.id),
    }
    r = fresh.post("/admin/privacy/export", data={**base, "sub": "stu-1"})
    assert r.status_code == 200 and r.mimetype == "application/zip"
    assert (
        fresh.post(
            f"/admin/privacy/retention/{platform.id}", data={**base, "days": "0"}
        ).status_code
        == 303
    )  # refused, said so
    assert (
        fresh.post(
            f"/admin/privacy/retention/{platform.id}", data={**base, "days": "90"}
        ).status_code
        == 303
    )
    arm_early = fresh.post(f"/admin/privacy/retention/{platform.id}/arm", data=base)
    assert arm_early.status_code == 303
    with app.app_context():
        rule = db.session.scalars(select(RetentionRule)).one()
        assert rule.days == 90 and not rule.armed
    assert (
        fresh.post(f"/admin/privacy/retention/{platform.id}/dry-run", data=base).status_code == 303
    )
    assert fresh.post(f"/admin/privacy/retention/{platform.id}/arm", data=base).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(RetentionRule)).one().armed
    page = fresh.get("/admin/privacy/retention", headers={"X-Launch-Token": token})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Biology 101" in html and "armed" in html


@pytest.mark.parametrize("raw", ["abc", "99999999999999", ""])
def test_bad_platform_ids_are_404_for_installation_admins(app, console, platform, raw):  # noqa: F811
    r = console.post(
        "/admin/privacy/export", data={"csrf_token": _csrf(console), "platform_id": raw, "sub": "x"}
    )
    assert r.status_code == 404
