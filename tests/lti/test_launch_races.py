"""Finding 11 (races at launch), as the attack: twenty parallel replays of one id_token, and
four tabs racing one new user's first launch, sent as real concurrent HTTP requests to a live
server on PostgreSQL. Exactly one replay succeeds and the rest get a clean 4xx (no 500); the
four tabs all get in and make one person, one membership."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Context, Membership, Person, ResourceLink, UsedNonce
from tests.builders import Claims, login, sign
from tests.live import at_once, needs_postgres, serving

pytestmark = needs_postgres


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_twenty_parallel_replays_of_one_id_token_make_one_launch(
    app, client, platform, platform_key
):
    started = login(client)
    sid = started.data["storage_value"]
    token = sign(Claims(nonce=started.nonce, sub="new-user").body, platform_key)
    form = {"id_token": token, "state": started.state}
    cookies = {f"lti_state_{sid}": sid}  # the attacker replays the browser's cookie too
    with serving(app) as live:
        replies = at_once([lambda: live.post("/lti/launch", form, cookies)] * 20)
    statuses = sorted(r.status for r in replies)
    assert statuses.count(303) == 1, statuses
    assert all(400 <= s < 500 for s in statuses if s != 303), statuses
    assert all(
        "NONCE_REPLAYED" in r.body or "LAUNCH_CONFLICT" in r.body
        for r in replies
        if r.status != 303
    )
    assert _count(app, UsedNonce) == 1
    assert _count(app, Person) == 1
    assert _count(app, Membership) == 1


def test_twenty_parallel_replays_of_a_returning_students_id_token_make_one_launch(
    app, client, platform, platform_key
):
    """A returning student's launch spends its nonce in a read that commits on its own
    (auth.provisioning): the replays racing it still end with one launch and one session."""
    from lti_tool.models import LaunchSession
    from tests.builders import launch

    assert launch(client, platform_key, sub="returning").status_code == 303
    sessions, nonces = _count(app, LaunchSession), _count(app, UsedNonce)
    started = login(client)
    sid = started.data["storage_value"]
    token = sign(Claims(nonce=started.nonce, sub="returning").body, platform_key)
    form = {"id_token": token, "state": started.state}
    cookies = {f"lti_state_{sid}": sid}
    with serving(app) as live:
        replies = at_once([lambda: live.post("/lti/launch", form, cookies)] * 20)
    statuses = sorted(r.status for r in replies)
    assert statuses.count(303) == 1, statuses
    assert all("NONCE_REPLAYED" in r.body for r in replies if r.status != 303), statuses
    assert _count(app, UsedNonce) == nonces + 1
    assert _count(app, LaunchSession) == sessions + 1


def test_four_tabs_racing_a_new_users_first_launch_all_get_in_once(
    app, client, platform, platform_key
):
    tabs = []
    for _ in range(4):
        started = login(client)
        sid = started.data["storage_value"]
        token = sign(Claims(nonce=started.nonce, sub="first-timer").body, platform_key)
        tabs.append(({"id_token": token, "state": started.state}, {f"lti_state_{sid}": sid}))
    with serving(app) as live:
        replies = at_once([lambda f=f, c=c: live.post("/lti/launch", f, c) for f, c in tabs])
    assert [r.status for r in replies] == [303] * 4, [(r.status, r.body[:200]) for r in replies]
    assert _count(app, Person) == 1
    assert _count(app, Context) == 1
    assert _count(app, Membership) == 1
    assert _count(app, ResourceLink) == 1
    assert _count(app, UsedNonce) == 4
