"""Course copy continuity: a copied course's link, launched with each platform's history shape
(Canvas custom `$Context.id.history` and `$ResourceLink.id.history`, Moodle's context history
only, Brightspace's own claim, Blackboard's custom parameters), is set up from last term's activity: settings, dates moved,
the finalised rubric version with its provenance, and none of the students' work. History ids
the tool never saw, or of another platform, are ignored with a log line. Every route: roles and
CSRF."""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from lti_tool.extensions import db
from lti_tool.lti import claims
from lti_tool.lti.history import BRIGHTSPACE_CLAIM, History, history_of, parse_ids
from lti_tool.models import (
    Activity,
    ActivityCopy,
    Ballot,
    Context,
    Criterion,
    FeedbackConfig,
    FeedbackCriterion,
    FeedbackSubmission,
    Level,
    Person,
    Proposal,
    RubricSetup,
    RubricVersion,
    utcnow,
)
from tests.advantage import form_tokens
from tests.builders import error_code, launch, launch_token_of

OLD_COURSE = {"id": "course-1", "label": "COPR-101", "title": "Fall 2026"}
NEW_COURSE = {"id": "course-2", "label": "COPR-101", "title": "Spring 2027"}
RUBRIC = {
    "kind": "rubric_cocreation",
    "title": "Our essay rubric",
    "instructions": "Propose what good looks like.",
    "points": "5",
    "phase-rubric_cocreation-propose": "2026-09-07",
    "phase-rubric_cocreation-vote": "2026-09-21",
}
CONTENT = {
    "criteria": [
        {
            "id": 0,
            "title": "Argument",
            "description": "A clear claim, defended.",
            "weight": 60.0,
            "levels": [
                {"title": "Missing", "description": "No claim.", "points": 1.0},
                {"title": "Clear", "description": "Claim and reasons.", "points": 2.0},
            ],
        },
        {
            "id": 0,
            "title": "Evidence",
            "description": "Sources that carry weight.",
            "weight": 40.0,
            "levels": [
                {"title": "Thin", "description": "One source.", "points": 1.0},
                {"title": "Solid", "description": "Several good sources.", "points": 2.0},
            ],
        },
    ]
}


@pytest.fixture
def app(make_app):
    return make_app(OUTBOX_INPROCESS_WORKER=False)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def land(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    return urlsplit(location).path, client.get(location, follow_redirects=True)


def copy_link(html: str, source_id: int) -> str:
    """The set-up page's link to continue from `source_id` (with its launch ticket)."""
    found = re.search(rf'href="([^"]*/activities/setup/copy/{source_id}\?[^"]*)"', html)
    assert found, html[:2000]
    return unescape(found.group(1))


def old_term_rubric(app, client, key) -> int:
    """Last term: the facilitator set up a rubric at link-1 of course-1, the class proposed and
    voted, and version 3 was published."""
    path, page = land(
        client,
        launch(
            client,
            key,
            "facilitator",
            sub="prof-old",
            **{
                claims.CONTEXT: OLD_COURSE,
                claims.RESOURCE_LINK: {"id": "link-1", "title": "Rubric"},
            },
        ),
    )
    assert path == "/activities/setup"
    response = client.post(path, data={**form_tokens(page.get_data(as_text=True)), **RUBRIC})
    assert response.status_code == 303
    launch(client, key, "student", sub="stu-old", **{claims.CONTEXT: OLD_COURSE})
    with app.app_context():
        activity = db.session.scalars(select(Activity)).one()
        student = db.session.scalars(select(Person).where(Person.sub == "stu-old")).one()
        db.session.add(Proposal(activity_id=activity.id, author_id=student.id, title="Voice"))
        db.session.add(Ballot(activity_id=activity.id, voter_id=student.id))
        setup = db.session.scalars(
            select(RubricSetup).where(RubricSetup.activity_id == activity.id)
        ).first()
        if setup is None:
            setup = RubricSetup(activity_id=activity.id)
            db.session.add(setup)
        setup.dot_budget, setup.anonymous = 7, True
        for number in (1, 2, 3):
            db.session.add(
                RubricVersion(
                    activity_id=activity.id,
                    context_id=activity.context_id,
                    number=number,
                    title=activity.title,
                    content=CONTENT,
                )
            )
        db.session.commit()
        return activity.id


def new_term_launch(client, key, role="facilitator", sub="prof-new", link="link-9", **body):
    return launch(
        client,
        key,
        role,
        sub=sub,
        **{claims.CONTEXT: NEW_COURSE, claims.RESOURCE_LINK: {"id": link}, **body},
    )


CANVAS = {claims.CUSTOM: {"context_id_history": "course-1", "resource_link_id_history": "link-1"}}
MOODLE = {claims.CUSTOM: {"context_id_history": "course-1"}}
BRIGHTSPACE = {
    BRIGHTSPACE_CLAIM: {"Context.id.history": "course-1", "ResourceLink.id.history": "link-1"}
}
# Blackboard Learn substitutes the LTI specification's variables in custom parameters
# (docs.anthology.com, Blackboard LTI 1.3 "Custom properties and parameter substitution"); a
# link copied with its course keeps its resource link history too.
BLACKBOARD = {
    claims.CUSTOM: {"context_id_history": "course-1", "resource_link_id_history": "link-1"},
    claims.TOOL_PLATFORM: {"product_family_code": "BlackboardLearn", "guid": "bb-1"},
}


@pytest.mark.parametrize(
    ("shape", "same_link"),
    [(CANVAS, True), (MOODLE, False), (BRIGHTSPACE, True), (BLACKBOARD, True)],
)
def test_a_copied_link_is_set_up_from_last_terms_rubric(
    app, client, platform, platform_key, shape, same_link
):
    source_id = old_term_rubric(app, client, platform_key)
    path, page = land(client, new_term_launch(client, platform_key, **shape))
    assert path == "/activities/setup"
    html = page.get_data(as_text=True)
    assert 'data-testid="copy-sources"' in html and "Fall 2026" in html
    assert ('data-same-link="true"' in html) is same_link
    form_page = client.get(copy_link(html, source_id))
    assert form_page.status_code == 200
    form_html = form_page.get_data(as_text=True)
    assert "Copied from COPR-101 Fall 2026" in form_html
    # The dates are moved on by whole weeks to this term (the facilitator may change them).
    proposed = re.search(r'name="phase-rubric_cocreation-propose" value="([0-9-]+)"', form_html)
    assert proposed and proposed.group(1) > "2026-09-07"
    data = {
        **form_tokens(form_html),
        **RUBRIC,
        "phase-rubric_cocreation-propose": "2027-01-11",
        "phase-rubric_cocreation-vote": "2027-01-25",
    }
    response = client.post(f"/activities/setup/copy/{source_id}", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        new = db.session.scalars(select(Activity).where(Activity.id != source_id)).one()
        assert db.session.get(Context, new.context_id).context_id == "course-2"
        assert new.phase_dates == {"propose": "2027-01-11", "vote": "2027-01-25"}
        copy = db.session.scalars(select(ActivityCopy)).one()
        assert (copy.activity_id, copy.source_activity_id) == (new.id, source_id)
        assert copy.provenance == "from COPR-101 Fall 2026, v3"
        assert copy.shifted_days == 126  # 2026-09-07 -> 2027-01-11
        version = db.session.scalars(
            select(RubricVersion).where(RubricVersion.activity_id == new.id)
        ).one()
        assert version.number == 1 and version.note == "Copied from COPR-101 Fall 2026, v3."
        assert [c["title"] for c in version.content["criteria"]] == ["Argument", "Evidence"]
        criteria = db.session.scalars(
            select(Criterion).where(Criterion.activity_id == new.id).order_by(Criterion.id)
        ).all()
        assert [c.id for c in criteria] == [c["id"] for c in version.content["criteria"]]
        assert count(Level, Level.criterion_id.in_([c.id for c in criteria])) == 4
        setup = db.session.scalars(
            select(RubricSetup).where(RubricSetup.activity_id == new.id)
        ).one()
        assert (setup.dot_budget, setup.anonymous, setup.phase) == (7, True, "finalise")
        # None of last term's students' work.
        assert count(Proposal, Proposal.activity_id == new.id) == 0
        assert count(Ballot, Ballot.activity_id == new.id) == 0
        assert count(Proposal, Proposal.activity_id == source_id) == 1  # the source keeps it
    # The next launch of the link opens the activity, ready, for everyone.
    path, page = land(client, new_term_launch(client, platform_key, "student", sub="stu-new"))
    assert path.startswith("/rubrics/") or path.startswith("/activities/")
    assert "Our essay rubric" in page.get_data(as_text=True)


def test_a_deep_linked_link_names_its_source_by_its_custom_activity_id(
    app, client, platform, platform_key
):
    """Moodle sends no link history, but a deep-linked link's custom `activity_id` travels with
    the copy: the source it names is offered as the link's own."""
    source_id = old_term_rubric(app, client, platform_key)
    shape = {claims.CUSTOM: {"context_id_history": "course-1", "activity_id": str(source_id)}}
    path, page = land(client, new_term_launch(client, platform_key, **shape))
    assert path == "/activities/setup"
    assert 'data-same-link="true"' in page.get_data(as_text=True)


def test_feedback_rounds_copy_settings_and_criteria_never_submissions(
    app, client, platform, platform_key
):
    path, page = land(
        client,
        launch(
            client,
            platform_key,
            "facilitator",
            sub="prof-old",
            **{claims.CONTEXT: OLD_COURSE, claims.RESOURCE_LINK: {"id": "link-2"}},
        ),
    )
    data = {
        **form_tokens(page.get_data(as_text=True)),
        "kind": "feedback_rounds",
        "title": "Essay rounds",
        "points": "30",
        "phase-feedback_rounds-submit": "2026-10-05",
    }
    assert client.post(path, data=data).status_code == 303
    launch(client, platform_key, "student", sub="stu-old", **{claims.CONTEXT: OLD_COURSE})
    with app.app_context():
        source = db.session.scalars(select(Activity)).one()
        student = db.session.scalars(select(Person).where(Person.sub == "stu-old")).one()
        from lti_tool.activities.feedback.configuration import config_of

        config = config_of(source)
        config.rounds, config.reviewers_per_submission = 3, 2
        config.groups = {str(student.id): "Team A"}
        config.round_dates = {"1": {"submit": "2026-10-05"}, "2": {"submit": "2026-11-02"}}
        config.current_round = 2
        db.session.add(
            FeedbackCriterion(
                activity_id=source.id, title="Clarity", levels=[{"title": "ok", "points": 1}]
            )
        )
        db.session.add(FeedbackSubmission(activity_id=source.id, person_id=student.id, round=1))
        db.session.commit()
        source_id = source.id
    shape = {
        claims.CUSTOM: {"context_id_history": "course-1", "resource_link_id_history": "link-2"}
    }
    path, page = land(client, new_term_launch(client, platform_key, link="link-8", **shape))
    form_page = client.get(copy_link(page.get_data(as_text=True), source_id))
    html = form_page.get_data(as_text=True)
    data = {
        **form_tokens(html),
        "kind": "feedback_rounds",
        "title": "Essay rounds",
        "points": "30",
        "phase-feedback_rounds-submit": "2027-02-01",
    }
    assert client.post(f"/activities/setup/copy/{source_id}", data=data).status_code == 303
    with app.app_context():
        new = db.session.scalars(select(Activity).where(Activity.id != source_id)).one()
        config = db.session.scalars(
            select(FeedbackConfig).where(FeedbackConfig.activity_id == new.id)
        ).one()
        assert (config.rounds, config.reviewers_per_submission) == (3, 2)
        assert config.groups == {} and config.current_round == 1
        # Moved by as many days as the first date: 2026-10-05 -> 2027-02-01 is 119 days.
        assert config.round_dates == {"1": {"submit": "2027-02-01"}, "2": {"submit": "2027-03-01"}}
        titles = db.session.scalars(
            select(FeedbackCriterion.title).where(FeedbackCriterion.activity_id == new.id)
        ).all()
        assert titles == ["Clarity"]
        assert count(FeedbackSubmission, FeedbackSubmission.activity_id == new.id) == 0


def test_a_feedback_copy_moves_the_round_dates_its_settings_set(
    app, client, platform, platform_key
):
    """Last term's rounds were dated on the settings page, not when the link was placed: the
    copy still proposes them moved to this term (never last term's, which the first visit would
    have run through at once), keeps each date the facilitator changes, and moves later rounds
    with the first."""
    path, page = land(
        client,
        launch(
            client,
            platform_key,
            "facilitator",
            sub="prof-old",
            **{claims.CONTEXT: OLD_COURSE, claims.RESOURCE_LINK: {"id": "link-2"}},
        ),
    )
    data = {
        **form_tokens(page.get_data(as_text=True)),
        "kind": "feedback_rounds",
        "title": "Essay rounds",
        "points": "30",
    }
    assert client.post(path, data=data).status_code == 303
    with app.app_context():
        source = db.session.scalars(select(Activity)).one()
        assert source.phase_dates == {}
        from lti_tool.activities.feedback.configuration import config_of

        config = config_of(source)
        config.rounds = 2
        config.round_dates = {
            "1": {"submit": "2026-10-05", "review": "2026-10-12"},
            "2": {"submit": "2026-11-02"},
        }
        db.session.commit()
        source_id = source.id
    shape = {
        claims.CUSTOM: {"context_id_history": "course-1", "resource_link_id_history": "link-2"}
    }
    path, page = land(client, new_term_launch(client, platform_key, link="link-8", **shape))
    html = client.get(copy_link(page.get_data(as_text=True), source_id)).get_data(as_text=True)

    def proposed(phase: str) -> str:
        found = re.search(rf'id="phase-feedback_rounds-{phase}"[^>]*value="([^"]*)"', html)
        assert found, phase
        return found.group(1)

    today = utcnow().date()
    weeks = -(-(today - date(2026, 10, 5)).days // 7)
    shift = timedelta(days=7 * max(weeks, 0))
    assert proposed("submit") == (date(2026, 10, 5) + shift).isoformat()
    assert proposed("review") == (date(2026, 10, 12) + shift).isoformat()
    review = (date(2026, 10, 12) + shift + timedelta(days=2)).isoformat()  # changed by hand
    data = {
        **form_tokens(html),
        "kind": "feedback_rounds",
        "title": "Essay rounds",
        "points": "30",
        "phase-feedback_rounds-submit": proposed("submit"),
        "phase-feedback_rounds-review": review,
    }
    path, page = land(client, client.post(f"/activities/setup/copy/{source_id}", data=data))
    assert page.status_code == 200
    with app.app_context():
        new = db.session.scalars(select(Activity).where(Activity.id != source_id)).one()
        config = db.session.scalars(
            select(FeedbackConfig).where(FeedbackConfig.activity_id == new.id)
        ).one()
        assert config.round_dates == {
            "1": {"submit": proposed("submit"), "review": review},
            "2": {"submit": (date(2026, 11, 2) + shift).isoformat()},
        }
        # The facilitator's first visit (above) found round 1 still open for submissions.
        assert (config.current_round, config.current_phase) == (1, "submit")


def test_unknown_history_ids_are_ignored_with_a_log_line(
    app, client, platform, platform_key, caplog
):
    old_term_rubric(app, client, platform_key)
    caplog.set_level(logging.INFO, logger="lti_tool.activities.copying")
    shape = {claims.CUSTOM: {"context_id_history": "never-seen,elsewhere-42"}}
    path, page = land(client, new_term_launch(client, platform_key, **shape))
    assert path == "/activities/setup"
    assert 'data-testid="copy-sources"' not in page.get_data(as_text=True)
    assert "'never-seen' of context" in caplog.text and "'elsewhere-42'" in caplog.text


def test_a_course_of_another_platform_is_never_a_source(app, client, platform, platform_key, jwks):
    """The same context id on another registration is another course: ignored."""
    from tests.builders import make_platform

    old_term_rubric(app, client, platform_key)
    with app.app_context():
        make_platform(jwks.url, issuer="https://other.example.edu", client_id="other-1")
        db.session.commit()
        other = db.session.scalars(select(Context).where(Context.context_id == "course-1")).one()
        assert other.platform.issuer != "https://other.example.edu"
        # A second-platform course that names course-1 finds nothing (tested at the service).
        from lti_tool.activities.copying import _source_contexts
        from lti_tool.models import Platform

        p2 = db.session.scalars(select(Platform).where(Platform.client_id == "other-1")).one()
        fake = Context(platform_id=p2.id, deployment_id=other.deployment_id, context_id="x")
        db.session.add(fake)
        db.session.flush()
        from lti_tool.models import LinkHistory

        history = LinkHistory(resource_link_id=0, context_history=["course-1"], link_history=[])
        assert _source_contexts(fake, history) == []
        db.session.rollback()


def test_copy_routes_refuse_students_other_sources_and_missing_csrf(
    app, client, platform, platform_key
):
    source_id = old_term_rubric(app, client, platform_key)
    # A student of the new course may not set a link up.
    token = launch_token_of(new_term_launch(client, platform_key, "student", sub="s", **CANVAS))
    denied = client.get(f"/activities/setup/copy/{source_id}", headers={"X-Launch-Token": token})
    assert denied.status_code == 403 and error_code(denied) == "ROLE_FORBIDDEN"
    # A facilitator of a course that was not copied from it cannot name it.
    token = launch_token_of(
        launch(
            client,
            platform_key,
            "facilitator",
            sub="p3",
            **{claims.CONTEXT: {"id": "course-3"}, claims.RESOURCE_LINK: {"id": "l3"}},
        )
    )
    refused = client.get(f"/activities/setup/copy/{source_id}", headers={"X-Launch-Token": token})
    assert refused.status_code == 404 and error_code(refused) == "COPY_SOURCE_UNKNOWN"
    # Without the CSRF token nothing is made.
    path, page = land(client, new_term_launch(client, platform_key, **CANVAS))
    tokens = form_tokens(page.get_data(as_text=True))
    response = client.post(
        f"/activities/setup/copy/{source_id}",
        data={"launch_token": tokens["launch_token"], **RUBRIC},
    )
    assert response.status_code == 400 and error_code(response) == "CSRF_FAILED"
    # Changing the kind on the way is refused too.
    response = client.post(
        f"/activities/setup/copy/{source_id}",
        data={**tokens, **RUBRIC, "kind": "goal_setting"},
    )
    assert response.status_code == 400 and error_code(response) == "COPY_KIND_CHANGED"
    with app.app_context():
        assert count(Activity) == 1 and count(ActivityCopy) == 0


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        ("789,456,123", ("789", "456", "123")),  # Canvas's documented example
        ("$Context.id.history", ()),  # a platform that does not substitute it
        ("", ()),
        ("a, b ,a,,truncated", ("a", "b")),  # Canvas ends a long list with "truncated"
        ("timed out", ()),
        (None, ()),
    ],
)
def test_history_values_are_parsed_as_platforms_send_them(value, ids):
    assert parse_ids(value) == ids


def test_history_is_read_from_custom_parameters_or_the_brightspace_claim():
    body = {
        claims.CONTEXT: {"id": "c3"},
        claims.CUSTOM: {"context_id_history": "c3,c2,c1"},
        BRIGHTSPACE_CLAIM: {"ResourceLink.id.history": "l2,l1"},
    }
    # The course itself is never its own source.
    assert history_of(body) == History(contexts=("c2", "c1"), links=("l2", "l1"))
    assert not history_of({claims.CUSTOM: {"context_id_history": "$Context.id.history"}})
