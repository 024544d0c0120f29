"""Finding 10 for rubric co-creation, as the attack: a double-clicked proposal or comment, and a
phase move made from a page that is out of date. Real concurrent HTTP requests to a live server
on PostgreSQL for the races; the resent-form and stale-form cases also run on SQLite."""

from __future__ import annotations

from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.models import Proposal, ProposalComment, RubricSetup
from tests.activities.rubrics.test_views import room  # noqa: F401  (fixture)
from tests.builders import error_code
from tests.live import at_once, needs_postgres, serving

KEY = "r" * 24


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def _form(actor, **data: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if not actor.csrf:
        actor.post("/nothing")  # fills actor.csrf from its page
    return {"launch_token": actor.token, "csrf_token": actor.csrf, **data}


def test_a_resent_proposal_is_stored_once(app, room):  # noqa: F811
    alice = room["alice"]
    form = {"title": "Clarity", "description": "Easy to follow", "form_key": KEY}
    assert alice.post("/proposals", form).status_code == 303
    resent = alice.post("/proposals", form)
    assert resent.status_code == 409 and error_code(resent) == "FORM_ALREADY_SENT"
    assert _count(app, Proposal) == 1


def test_a_move_from_an_out_of_date_page_is_refused(app, room):  # noqa: F811
    prof = room["prof"]
    page = prof.get().get_data(as_text=True)
    assert 'name="from_phase" value="propose"' in page
    assert prof.post("/phase", {"phase": "discuss", "from_phase": "propose"}).status_code == 303
    stale = prof.post("/phase", {"phase": "vote", "from_phase": "propose"})  # the old tab
    assert stale.status_code == 409
    assert "since this page was opened" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(RubricSetup.phase)).one() == "discuss"


@needs_postgres
def test_a_double_clicked_proposal_and_comment_are_stored_once(app, room):  # noqa: F811
    alice, bob = room["alice"], room["bob"]
    proposal = _form(alice, title="Clarity", description="Easy to follow", form_key=KEY)
    with serving(app) as live:
        base = f"/rubrics/{alice.aid}"
        replies = at_once([lambda: live.post(base + "/proposals", proposal)] * 6)
        assert sorted(r.status for r in replies) == [303] + [409] * 5
        assert _count(app, Proposal) == 1
        with app.app_context():
            pid = db.session.scalars(select(Proposal.id)).one()
        note = _form(bob, body="Agree", form_key="c" * 24)
        replies = at_once([lambda: live.post(f"{base}/proposals/{pid}/comments", note)] * 6)
    assert sorted(r.status for r in replies) == [303] + [409] * 5
    assert _count(app, ProposalComment) == 1


@needs_postgres
def test_parallel_phase_moves_from_one_page_move_once(app, room):  # noqa: F811
    prof = room["prof"]
    forms = [
        _form(prof, phase=to, from_phase="propose", form_key=f"m{i}" + "x" * 20)
        for i, to in enumerate(["discuss", "vote", "discuss", "vote", "describe"])
    ]
    with serving(app) as live:
        replies = at_once([lambda f=f: live.post(f"/rubrics/{prof.aid}/phase", f) for f in forms])
    statuses = sorted(r.status for r in replies)
    assert 500 not in statuses
    assert statuses.count(303) == 1, statuses
    assert all(
        r.status == 409 and "since this page was opened" in r.body
        for r in replies
        if r.status != 303
    )
