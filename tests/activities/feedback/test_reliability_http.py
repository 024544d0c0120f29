"""Peer assessment reliability over HTTP, per role: calibration, the weighted method on the score
page, the logged method change, the discrepancy queue, reviewer accuracy, the other reviews."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lti_tool.models import Event, OutboxScore
from lti_tool.models.feedback import FeedbackAllocation, FeedbackCriterion, FeedbackSubmission
from lti_tool.models.reliability import FeedbackExemplar
from tests.activities.feedback.conftest import STUDENTS, configure, student_subs
from tests.builders import error_code

# Alice is generous, Bob severe, the others in between: spreads of 2+ levels on Argument.
LEVELS = {"alice": (3, 2), "bob": (0, 0), "cara": (2, 1), "dev": (2, 1), "eve": (1, 1)}


def _criteria_ids(c):
    return [x.id for x in c.query(select(FeedbackCriterion).order_by(FeedbackCriterion.position))]


def _allocations_of(c, who):
    pid = c.person_id(next(n for n in STUDENTS if n.lower().startswith(who)))
    return c.query(
        select(FeedbackAllocation).where(
            FeedbackAllocation.reviewer_id == pid, FeedbackAllocation.kind == "peer"
        )
    )


def _review(c, who, alloc_id, levels):
    cids = _criteria_ids(c)
    data = {f"level-{cid}": str(lv) for cid, lv in zip(cids, levels, strict=True)}
    data.update({f"comment-{cid}": f"Comment from {who}" for cid in cids})
    data.update(overall="Overall", action="submit")
    return c.post(who, f"/reviews/{alloc_id}", data)


def _round(c, **settings):
    assert configure(c, **settings).status_code == 303
    for who in student_subs():
        assert c.post(who, "/submit", {"body": f"Essay by {who}"}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # review


def _review_all(c):
    for who in student_subs():
        for alloc in _allocations_of(c, who):
            r = _review(c, who, alloc.id, LEVELS[who])
            assert r.status_code == 303, r.get_data(as_text=True)[:500]


def _reliability(c, **values):
    data = {"discrepancy_threshold": "2", "endorsement_weight": "1", **values}
    return c.post("prof", "/reliability", data)


def _exemplar(c, title="Strong essay"):
    assert c.post("prof", "/exemplars", {"title": title, "body": "An example"}).status_code == 303
    return c.query(select(FeedbackExemplar).where(FeedbackExemplar.title == title))[0]


def _release(c):
    r = c.client.post(
        f"/activities/{c.activity_id}/progress/release",
        data={"launch_token": c.tokens["prof"], "csrf_token": c.csrf_of("prof")},
    )
    assert r.status_code == 303


def test_calibration_needs_the_facilitators_assessment_and_shows_it_only_after(course):
    c = course
    assert configure(c).status_code == 303
    assert _reliability(c, calibration="on", calibration_required="on").status_code == 303
    r = c.post("prof", "/calibration/publish")
    assert r.status_code == 409  # no exemplar yet
    ex = _exemplar(c)
    r = c.post("prof", "/calibration/publish")
    assert r.status_code == 409 and "Assess every exemplar" in r.get_data(as_text=True)
    cids = _criteria_ids(c)
    # Not open to students before it is published
    assert c.get("alice", "/calibration").status_code == 404
    r = c.post("prof", f"/exemplars/{ex.id}/assess", {f"level-{cids[0]}": "3"})
    assert r.status_code == 400  # a level for every criterion
    r = c.post(
        "prof",
        f"/exemplars/{ex.id}/assess",
        {
            f"level-{cids[0]}": "3",
            f"level-{cids[1]}": "1",
            f"comment-{cids[0]}": "Claims follow from one another",
            f"comment-{cids[1]}": "Sources named, not weighed",
        },
    )
    assert r.status_code == 303
    assert c.post("prof", "/calibration/publish").status_code == 303
    page = c.get("alice", "/calibration").get_data(as_text=True)
    assert "An example" in page
    # the facilitator's why is not on the page before the student submitted theirs
    assert "Claims follow" not in page and "Sources named" not in page
    attempt = {f"level-{cids[0]}": "1", f"level-{cids[1]}": "1"}
    assert c.post("alice", f"/exemplars/{ex.id}/attempt", attempt).status_code == 303
    page = c.get("alice", "/calibration").get_data(as_text=True)
    assert "Claims follow from one another" in page
    assert re.findall(r'data-testid="distance">([^<]+)<', page) == ["-2", "0"]
    # one try only unless a second is allowed
    r = c.post("alice", f"/exemplars/{ex.id}/attempt", attempt)
    assert r.status_code == 409
    # published: exemplars and their assessment no longer change
    assert c.post("prof", "/exemplars", {"title": "x", "body": "y"}).status_code == 409
    # must calibrate before reviewing: Bob has not
    for who in student_subs():
        assert c.post(who, "/submit", {"body": f"Essay by {who}"}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303
    bob_alloc = _allocations_of(c, "bob")[0]
    r = _review(c, "bob", bob_alloc.id, (1, 1))
    assert r.status_code == 409 and error_code(r) == "CALIBRATE_FIRST"
    alice_alloc = _allocations_of(c, "alice")[0]
    assert _review(c, "alice", alice_alloc.id, (1, 1)).status_code == 303


def test_a_second_try_when_allowed(course):
    c = course
    assert configure(c).status_code == 303
    assert _reliability(c, calibration="on", calibration_second_try="on").status_code == 303
    ex = _exemplar(c)
    cids = _criteria_ids(c)
    levels = {f"level-{cids[0]}": "2", f"level-{cids[1]}": "2"}
    assert c.post("prof", f"/exemplars/{ex.id}/assess", levels).status_code == 303
    assert c.post("prof", "/calibration/publish").status_code == 303
    assert c.post("cara", f"/exemplars/{ex.id}/attempt", levels).status_code == 303
    assert c.post("cara", f"/exemplars/{ex.id}/attempt", levels).status_code == 303
    assert c.post("cara", f"/exemplars/{ex.id}/attempt", levels).status_code == 409


def test_weighted_scores_show_numbered_weights_and_a_method_change_is_resent_and_logged(course):
    c = course
    _round(c, aggregate="weighted")
    _review_all(c)
    assert c.post("prof", "/phase").status_code == 303  # respond: scores computed
    _release(c)
    page = c.get("alice").get_data(as_text=True)
    assert 'data-testid="reviewer-weights"' in page
    table = page.split('data-testid="reviewer-weights"')[1].split("</table>")[0]
    assert "Reviewer 1" in table and "Reviewer 2" in table
    assert not any(name in table for name in STUDENTS)  # numbered, never named
    assert 'data-testid="unweighted-level"' in page
    assert "Contest this score" in page  # the contest button is unchanged
    sent_before = {r.person_id: r.score_given for r in c.query(select(OutboxScore))}
    # back to the median: the scores that change go out again, and who did it is logged
    assert configure(c, aggregate="median").status_code == 303
    events = c.query(
        select(Event).where(Event.verb == "feedback.aggregate_changed").order_by(Event.id)
    )
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        ("median", "weighted"),
        ("weighted", "median"),
    ]
    assert events[-1].actor_id == c.person_id("Pat Professor")
    after = {r.person_id: r.score_given for r in c.query(select(OutboxScore))}
    assert after != sent_before
    page = c.get("alice").get_data(as_text=True)
    assert 'data-testid="reviewer-weights"' not in page


def test_discrepancy_queue_until_a_staff_review(course):
    c = course
    _round(c)
    _review_all(c)
    staff = c.get("prof").get_data(as_text=True)
    waiting = int(re.search(r"discrepancy queue \((\d+) waiting\)", staff).group(1))
    assert waiting >= 1
    page = c.get("coach", "/accuracy").get_data(as_text=True)
    # The dashboard counts in SQL what the accuracy page lists (accuracy.discrepancy_queue).
    assert page.count('data-testid="queued"') == waiting
    queued = re.findall(r"submission_id=(\d+)|/submissions/(\d+)", page)
    sub_id = int(next(a or b for a, b in queued))
    assert "Argument" in page
    # the coach reviews it: off the queue
    r = c.post("coach", f"/submissions/{sub_id}/staff-review")
    assert r.status_code == 303
    alloc = c.query(
        select(FeedbackAllocation).where(
            FeedbackAllocation.submission_id == sub_id, FeedbackAllocation.kind == "staff"
        )
    )[0]
    assert _review(c, "coach", alloc.id, (2, 1)).status_code == 303
    staff = c.get("prof").get_data(as_text=True)
    assert int(re.search(r"discrepancy queue \((\d+) waiting\)", staff).group(1)) == waiting - 1
    listed = c.get("coach", "/accuracy").get_data(as_text=True).count('data-testid="queued"')
    assert listed == waiting - 1
    # threshold 0 turns it off
    assert _reliability(c, discrepancy_threshold="0").status_code == 303
    assert "(0 waiting)" in c.get("prof").get_data(as_text=True)
    assert _reliability(c, discrepancy_threshold="9").status_code == 400


def test_reviewer_accuracy_for_staff_and_for_the_student_after_the_round(course):
    c = course
    _round(c)
    _review_all(c)
    page = c.get("prof", "/accuracy").get_data(as_text=True)
    assert page.count('data-testid="accuracy-row"') == len(STUDENTS)
    assert "Alice Anders" in page and 'data-testid="criterion-row"' in page
    assert c.get("alice", "/my-accuracy").status_code == 409  # not before the round closes
    assert c.post("prof", "/phase").status_code == 303
    mine = c.get("alice", "/my-accuracy")
    assert mine.status_code == 200 and "+" in mine.get_data(as_text=True)  # generous
    assert "Bob Brown" not in mine.get_data(as_text=True)


def test_other_reviews_after_the_round_only(course):
    c = course
    _round(c)
    _review_all(c)
    alloc = _allocations_of(c, "alice")[0]
    assert c.get("alice", f"/reviews/{alloc.id}/others").status_code == 404  # not offered
    assert _reliability(c, show_other_reviews="on").status_code == 303
    assert c.get("alice", f"/reviews/{alloc.id}/others").status_code == 409  # round open
    assert c.post("prof", "/phase").status_code == 303
    page = c.get("alice", f"/reviews/{alloc.id}/others").get_data(as_text=True)
    assert 'data-testid="other-review"' in page
    assert "Comment from alice" not in page  # her own is not among the others
    body = page.split("<h1", 1)[1]  # past the header, which names the viewer
    assert not any(name in body for name in STUDENTS)  # double-blind: numbered
    # someone else's allocation is not hers to open
    bob = _allocations_of(c, "bob")[0]
    assert c.get("alice", f"/reviews/{bob.id}/others").status_code == 404
    assert 'data-testid="other-reviews-link"' in c.get("alice").get_data(as_text=True)


def test_endorsement_weight_shows_in_the_score_explanation(course):
    c = course
    _round(c)
    _review_all(c)
    assert c.post("prof", "/phase").status_code == 303
    from lti_tool.models.feedback import FeedbackComment

    comment = c.query(select(FeedbackComment))[0]
    assert c.post("coach", f"/comments/{comment.id}/endorse").status_code == 303
    assert _reliability(c, endorsement_weight="2").status_code == 303
    assert c.post("prof", "/scores").status_code == 303
    _release(c)
    reviewer = c.query(
        select(FeedbackAllocation.reviewer_id)
        .join(FeedbackSubmission, FeedbackSubmission.id == FeedbackAllocation.submission_id)
        .where(FeedbackAllocation.id == _alloc_of_comment(c, comment))
    )[0]
    sub = next(s for s in student_subs() if c.person_id(_name(s)) == reviewer)
    page = c.get(sub).get_data(as_text=True)
    assert 'data-testid="endorsement-explained"' in page and "as 2 top rating" in page


def _name(sub):
    return next(n for n in STUDENTS if n.lower().startswith(sub))


def _alloc_of_comment(c, comment):
    from lti_tool.models.feedback import FeedbackReview

    return c.query(
        select(FeedbackReview.allocation_id).where(FeedbackReview.id == comment.review_id)
    )[0]


# -- roles and CSRF on every new route ------------------------------------------------------------

POSTS = (
    "/reliability",
    "/exemplars",
    "/exemplars/{ex}/assess",
    "/calibration/publish",
    "/exemplars/{ex}/attempt",
)


@pytest.fixture
def published(course):
    c = course
    assert configure(c).status_code == 303
    assert _reliability(c, calibration="on").status_code == 303
    ex = _exemplar(c)
    cids = _criteria_ids(c)
    levels = {f"level-{cids[0]}": "2", f"level-{cids[1]}": "1"}
    assert c.post("prof", f"/exemplars/{ex.id}/assess", levels).status_code == 303
    return c, ex


def test_roles_on_the_new_routes(published):
    c, ex = published
    for who in ("coach", "alice"):
        for path in ("/reliability", "/exemplars", f"/exemplars/{ex.id}/assess"):
            assert c.post(who, path).status_code == 403, (who, path)
        assert c.post(who, "/calibration/publish").status_code == 403
        assert c.get(who, "/reliability").status_code == 403
    for who in ("prof", "coach"):
        assert c.post(who, f"/exemplars/{ex.id}/attempt").status_code == 403
        assert c.get(who, "/calibration").status_code == 403
        assert c.get(who, "/my-accuracy").status_code == 403
        assert c.get(who, "/reviews/1/others").status_code == 403
    assert c.get("alice", "/accuracy").status_code == 403
    assert c.get("coach", "/accuracy").status_code == 200
    assert c.get("prof", "/reliability").status_code == 200
    # an exemplar of this activity only
    assert c.post("prof", "/exemplars/999999/assess").status_code == 404


def test_csrf_on_the_new_routes(published):
    c, ex = published
    for path in POSTS:
        who = "alice" if path.endswith("attempt") else "prof"
        r = c.client.post(c.base + path.format(ex=ex.id), data={"launch_token": c.tokens[who]})
        assert r.status_code == 400 and error_code(r) == "CSRF_FAILED", path
