"""The console's way-finding (issue 15, item 7): a refusal links to the sign-in page, the menu
is the same on every page, and the audit log filters and pages, registration events apart
from activity events."""

from __future__ import annotations

import re
from datetime import timedelta

from lti_tool.admin.audit import PAGE_SIZE, cli_actor, record
from lti_tool.extensions import db
from lti_tool.models import Context, Event, Platform, utcnow
from tests.admin.test_console import console  # noqa: F401  (fixture)


def test_signed_out_the_console_links_to_sign_in(app):
    client = app.test_client()
    for path in ("/admin/", "/admin/audit", "/admin/keys"):
        refused = client.get(path)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 403 and 'href="/admin/login"' in html, path


def test_the_menu_is_the_same_on_every_page(console, platform):  # noqa: F811
    menus = set()
    for path in ("/admin/", "/admin/setup", "/admin/grades", "/admin/health", "/admin/audit"):
        html = console.get(path).get_data(as_text=True)
        nav = html[
            html.index('<nav class="admin"') : html.index(
                "</nav>", html.index('<nav class="admin"')
            )
        ]
        assert ">Keys</a>" in nav, path
        menus.add(tuple(re.findall(r">([^<>]+)</(?:a|button)>", nav)))
    assert len(menus) == 1


def test_the_audit_log_keeps_registration_apart_filters_and_pages(app, console, platform):  # noqa: F811
    with app.app_context():
        platform_row = db.session.get(Platform, platform.id)
        context = Context(
            platform_id=platform_row.id,
            deployment_id=platform_row.deployments[0].id,
            context_id="c-1",
            title="Course",
        )
        db.session.add(context)
        db.session.flush()
        record(cli_actor(), "platform.renamed", "platform", platform.id, platform_id=platform.id)
        for i in range(PAGE_SIZE + 3):
            db.session.add(
                Event(
                    actor_kind="person",
                    actor_label="Student",
                    platform_id=platform.id,
                    context_id=context.id,
                    verb="goal.drafted",
                    object_type="goal",
                    object_id=str(i),
                    data={"score": 0.7111111111111112},
                )
            )
        old = record(cli_actor(), "key.rotated", "key", "k-old")
        old.occurred_at = utcnow() - timedelta(days=40)
        db.session.commit()
    default = console.get("/admin/audit").get_data(as_text=True)
    assert "platform.renamed" in default and "goal.drafted" not in default
    activity = console.get("/admin/audit", query_string={"kind": "activity"})
    html = activity.get_data(as_text=True)
    assert "goal.drafted" in html and "platform.renamed" not in html
    assert "0.71" in html and "0.7111" not in html
    assert 'rel="next"' in html
    second = console.get("/admin/audit", query_string={"kind": "activity", "page": "2"})
    assert second.get_data(as_text=True).count("goal.drafted") == 3
    recent = console.get(
        "/admin/audit", query_string={"since": (utcnow() - timedelta(days=2)).date().isoformat()}
    ).get_data(as_text=True)
    assert "key.rotated" not in recent
    assert "platform.renamed" in recent
    by_platform = console.get(
        "/admin/audit", query_string={"platform": str(platform.id), "kind": "all"}
    ).get_data(as_text=True)
    assert "key.rotated" not in by_platform and "goal.drafted" in by_platform
    junk = console.get("/admin/audit", query_string={"page": "x", "since": "nope", "kind": "?"})
    assert junk.status_code == 200
