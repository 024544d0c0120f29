"""Finding 10 for placing activities, as the attack: the first-launch set-up form sent five times
at once (a double click, tabs). Real concurrent HTTP requests to a live server on PostgreSQL:
one activity, one success, the others a clean 409."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Activity
from tests.advantage import form_tokens
from tests.builders import launch
from tests.live import at_once, needs_postgres, serving

pytestmark = needs_postgres


def test_five_set_up_forms_at_once_make_one_activity(app, client, platform, platform_key):
    first = launch(client, platform_key, "facilitator", sub="prof")
    page = client.get(first.headers["Location"])
    form = {
        **form_tokens(page.get_data(as_text=True)),
        "kind": "goal_setting",
        "title": "Term goals",
        "points": "10",
    }
    with serving(app) as live:
        replies = at_once([lambda: live.post("/activities/setup", form)] * 5)
    statuses = sorted(r.status for r in replies)
    assert 500 not in statuses, [r.body[:300] for r in replies if r.status == 500]
    assert statuses.count(303) >= 1 and all(s in (303, 409) for s in statuses), statuses
    with app.app_context():
        assert db.session.scalar(select(func.count(Activity.id))) == 1
