"""Feedback rounds in every language (issue 15, item 9): a walk of a seeded class under the
pseudo-locale en-XA (every page of every role, through every phase of both rounds, the CSV
export, the progress page, the LMS comments, the gradebook link's page and a reminder mail)
finds no text that never went through gettext; the same class in French reads French, with
French numbers and dates; and a page under ar-XB is laid out right to left."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from lti_tool.extensions import db
from lti_tool.models import OutboxScore, Platform
from lti_tool.models.feedback import FeedbackCriterion, FeedbackSubmission
from lti_tool.models.reliability import FeedbackExemplar
from tests.activities.feedback.conftest import STUDENTS, configure, student_subs
from tests.activities.feedback.test_anonymity_http import _level_fields
from tests.activities.feedback.test_flow_http import _allocations_of, _review_all
from tests.activities.feedback.test_lms_groups import moodle_groups, pick, pid
from tests.builders import launch, launch_token_of
from tests.readable import data_strings, untranslated, visible_text

WHO = ("prof", "coach", "alice", "bob")


@pytest.fixture
def pseudo(launch_locale):
    """Before `course`: every launch of the class names the pseudo-locale."""
    launch_locale("en-XA")


@pytest.fixture
def french(launch_locale):
    launch_locale("fr")


class Walk:
    """The pages met on the way, each checked once the class's data is all in."""

    def __init__(self, course):
        self.c = course
        self.pages: dict[str, str] = {}

    def keep(self, where, response, status=200):
        assert response.status_code == status, (where, response.get_data(as_text=True)[:500])
        self.pages[where] = response.get_data(as_text=True)

    def get(self, where, who, path="", **kw):
        self.keep(f"{where}: {who} {path or 'home'}", self.c.get(who, path, **kw))

    def everyone(self, where):
        for who in WHO:
            self.get(where, who)

    def progress(self, where):
        self.keep(
            f"{where}: progress",
            self.c.client.get(
                f"/activities/{self.c.activity_id}/progress",
                headers={"X-Launch-Token": self.c.tokens["prof"]},
            ),
        )

    def problems(self, app, extra=()):
        data = data_strings(app)
        found = sum(
            (untranslated(w, main(p), data, allowed=COMMON) for w, p in self.pages.items()), []
        )
        return found + sum((untranslated(w, p, data) for w, p in extra), [])


# An error page names its stable code ("FEEDBACK_REFUSED"): a code, not words.
ERROR_CODE = re.compile(r"\b[A-Z]+(?:_[A-Z]+)+\b")
# The artifact's body is the common activity template's (activities/_artifact_body.html).
COMMON = frozenset({"Last", "changed"})


def main(page):
    """The page's own part: the site header and the activity layout's (name, role, hub link)
    are the common templates' and are walked with them."""
    found = re.search(r'<main id="main" role="main">(.*)</main>', page, re.S)
    assert found, page[:300]
    return ERROR_CODE.sub(" ", found.group(1))


# Level names as people write them (lower-case single words read as stored keys in
# data_strings, which a page must not show raw).
RUBRIC = "Argument: Weak / Fair / Good / Strong\nEvidence: Thin / Adequate / Rich"


def _first_sub(c, name="Alice Anders", round_no=1):
    return c.query(
        select(FeedbackSubmission).where(
            FeedbackSubmission.person_id == c.person_id(name), FeedbackSubmission.round == round_no
        )
    )[0]


def _calibration(c, w):
    assert (
        c.post(
            "prof",
            "/reliability",
            {
                "discrepancy_threshold": "1",
                "endorsement_weight": "1",
                "calibration": "on",
                "calibration_second_try": "on",
                "show_other_reviews": "on",
            },
        ).status_code
        == 303
    )
    w.get("calibration, before an exemplar", "prof", "/reliability")
    assert c.post("prof", "/exemplars", {"title": "An example", "body": "Some work"}).status_code
    ex = c.query(select(FeedbackExemplar))[0]
    w.get("calibration, an exemplar to assess", "prof", "/reliability")
    cids = [x.id for x in c.query(select(FeedbackCriterion).order_by(FeedbackCriterion.position))]
    levels = {f"level-{cids[0]}": "2", f"level-{cids[1]}": "1", f"comment-{cids[0]}": "Clear"}
    assert c.post("prof", f"/exemplars/{ex.id}/assess", levels).status_code == 303
    assert c.post("prof", "/calibration/publish").status_code == 303
    w.get("calibration published", "prof", "/reliability")
    w.get("calibration", "alice", "/calibration")
    attempt = {f"level-{cids[0]}": "0", f"level-{cids[1]}": "1"}
    assert c.post("alice", f"/exemplars/{ex.id}/attempt", attempt).status_code == 303
    w.get("calibration, after an attempt", "alice", "/calibration")


def _review_round(c, round_no):
    cids = [x.id for x in c.query(select(FeedbackCriterion).order_by(FeedbackCriterion.position))]
    for who in student_subs():
        for alloc in _allocations_of(c, who):
            if alloc.round != round_no:
                continue
            data = {f"level-{cid}": "1" for cid in cids}
            data.update({f"comment-{cid}": f"Comment from {who}" for cid in cids})
            data.update(overall="Good work", action="submit")
            r = c.post(who, f"/reviews/{alloc.id}", data)
            assert r.status_code == 303, r.get_data(as_text=True)[:600]


def _a_round(c, w, round_no):
    where = f"round {round_no}"
    w.everyone(f"{where} submit")
    for who in student_subs():
        r = c.post(who, "/submit", {"body": f"Essay by {who}, round {round_no}"})
        assert r.status_code == 303, r.get_data(as_text=True)[:400]
    w.get(f"{where} submitted", "alice")
    w.keep(f"{where}: a refused submission", c.post("alice", "/submit", {"body": " "}), 400)
    assert c.post("prof", "/phase").status_code == 303  # review
    w.everyone(f"{where} review")
    for alloc in _allocations_of(c, "alice"):
        w.get(f"{where} review", "alice", f"/reviews/{alloc.id}")
    w.keep(
        f"{where}: an incomplete review",
        c.post("bob", f"/reviews/{_allocations_of(c, 'bob')[-1].id}", {"action": "submit"}),
        400,
    )
    _review_round(c, round_no)
    sub = _first_sub(c, round_no=round_no)
    r = c.post("coach", f"/submissions/{sub.id}/staff-review")
    coach_alloc = re.search(r"/reviews/(\d+)", r.headers["Location"]).group(1)
    fields = {k: "1" for k in _level_fields(c)}
    c.post(
        "coach", f"/reviews/{coach_alloc}", {"overall": "Staff view", "action": "submit", **fields}
    )
    for who in ("prof", "coach"):
        w.get(f"{where} review", who, f"/submissions/{sub.id}")
        w.get(f"{where} review", who, "/accuracy")
    w.progress(f"{where} review")
    assert c.post("prof", "/phase").status_code == 303  # respond
    w.everyone(f"{where} respond")
    alloc = _allocations_of(c, "alice")[0]
    w.get(f"{where} respond", "alice", f"/reviews/{alloc.id}/others")
    w.get(f"{where} respond", "alice", "/my-accuracy")
    assert c.post("prof", "/phase").status_code == 303  # revise
    w.everyone(f"{where} revise")
    plan = c.post("alice", "/plan", {"plan": f"Shorter sentences after round {round_no}"})
    assert plan.status_code == 303
    w.get(f"{where} revise, planned", "alice", query_string={"done": "plan"})


def _walk_the_class(app, c, platform_key, language):
    """Every page of every role through both rounds (and what it sends out): the Walk, the
    CSV export's rows and the LMS comments."""
    with app.app_context():  # what goes to the gradebook is in the platform's language
        db.session.execute(update(Platform).values(default_language=language))
        db.session.commit()
    c.tokens["admin"] = launch_token_of(launch(c.client, platform_key, "admin", sub="dean"))
    w = Walk(c)
    w.get("unconfigured", "prof")
    w.get("unconfigured", "alice")
    w.get("unconfigured", "prof", "/settings")
    assert configure(c, rubric=RUBRIC, rounds="2", aggregate="weighted").status_code == 303
    w.get("configured", "prof", "/settings")
    w.get("configured", "prof", "/groups")
    # An institution admin is refused (the refusal's words are the launch checks', lti_tool.auth).
    refused = c.get("admin")
    assert refused.status_code == 403 and f'lang="{language}"' in refused.get_data(as_text=True)
    w.keep(
        "a refused setting",
        c.post("prof", "/settings", {"rubric": "no levels here", "rounds": "9"}),
        400,
    )
    _calibration(c, w)
    w.keep(
        "reminder preferences",
        c.client.get("/mail/preferences", headers={"X-Launch-Token": c.tokens["alice"]}),
    )
    _a_round(c, w, 1)
    # The scores are held until released: then a student reads hers, contests it, and the
    # facilitator answers.
    w.progress("scores held")
    released = c.client.post(
        f"/activities/{c.activity_id}/progress/release",
        data={"launch_token": c.tokens["prof"], "csrf_token": c.csrf_of("prof")},
    )
    assert released.status_code == 303
    w.progress("scores released")
    w.get("score", "alice")
    assert c.post("alice", "/contest", {"comment": "My evidence was rich"}).status_code == 303
    w.get("contested", "prof")
    w.get("contested", "alice")
    score_id = re.search(r"/scores/(\d+)/resolve", w.pages["contested: prof home"]).group(1)
    answer = {"decision": "override", "points": "9", "reason": "Evidence was rich"}
    assert c.post("prof", f"/scores/{score_id}/resolve", answer).status_code == 303
    w.get("contest answered", "alice")
    assert c.post("prof", "/phase").status_code == 303  # round 2
    _a_round(c, w, 2)
    assert c.post("prof", "/scores").status_code == 303
    w.everyone("the end")
    w.progress("the end")
    export = c.get("prof", "/export.csv")
    assert export.status_code == 200
    rows = export.get_data(as_text=True).splitlines()[1:]
    comments = [x for x in c.query(select(OutboxScore.comment)) if x]
    assert comments
    link = re.search(r"https?://[^/\s]+(/artifacts/open/[^\s⟧]+)", comments[0]).group(1)
    w.keep("the gradebook's link to the work", c.client.get(link))
    assert len(w.pages) > 60
    return w, rows, comments


@pytest.mark.usefixtures("pseudo")
def test_every_feedback_page_mail_and_comment_is_translated(app, course, platform_key):
    w, rows, comments = _walk_the_class(app, course, platform_key, "en-XA")
    extra = [("export.csv", line) for line in rows]
    extra += [(f"LMS comment {i}", text) for i, text in enumerate(comments)]
    found = w.problems(app, extra)
    assert found == [], "\n".join(found)


# Words of English that no sentence of French or Spanish has: any of them left on a page of
# the walk is a string the catalog lacks.
ENGLISH = re.compile(
    r"\b(?:the|your|you|and|of|to|is|are|with|for|from|this|that|not|yet|round|review|"
    r"reviews|work|score|submitted|level|levels|peer|peers|will|has|have|been|by|which)\b"
)


MINE = (
    "lti_tool/templates/activities/feedback/",
    "lti_tool/activities/feedback/",
    "lti_tool/templates/grading/",
    "lti_tool/grading/",
    "lti_tool/templates/reminders/",
    "lti_tool/reminders/",
)


def _others_untranslated(language):
    """The words of other areas' strings (the common layout, wording's tables, the error page)
    the catalog has no translation of yet: theirs to translate, not this walk's to find. Once
    they are, this is empty and the walk reads their words too."""
    from babel.messages.pofile import read_po

    from lti_tool.i18n import TRANSLATIONS_DIR

    with (TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    out = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or all(strings):
            continue
        assert not any(path.startswith(MINE) for path, _ in message.locations), message.id
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        out += [part for msgid in ids for part in re.split(r"%\([a-z_]+\)[sdf]", msgid)]
    return sorted({p.strip() for p in out if len(p.strip()) > 2}, key=len, reverse=True)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_the_whole_walk_reads_in_the_language(app, course, platform_key, launch_locale, language):
    launch_locale(language)
    # The class's launches were made before: each opens Coproduce again in the language.
    for who, role, sub, name in (
        ("prof", "facilitator", "prof", "Pat Professor"),
        ("coach", "coach", "coach", "Cory Coach"),
        *((n.split()[0].lower(), "student", n.split()[0].lower(), n) for n in STUDENTS),
    ):
        course.tokens[who] = launch_token_of(
            launch(course.client, platform_key, role, sub=sub, name=name)
        )
        course.csrf.pop(who, None)
    w, rows, comments = _walk_the_class(app, course, platform_key, language)
    data = data_strings(app) + _others_untranslated(language)
    found = []
    texts = [(where, " ".join(visible_text(main(page)))) for where, page in w.pages.items()]
    texts += [("export.csv", row) for row in rows] + [("LMS comment", x) for x in comments]
    for where, text in texts:
        for value in data:
            text = text.replace(value, " ")
        text = re.sub(r"https?://\S+", " ", text)
        found += [
            f"{where}: {m!r} in …{text[max(0, t.start() - 60) : t.end() + 60]}…"
            for t in ENGLISH.finditer(text)
            for m in [t.group(0)]
        ]
    assert found == [], "\n".join(found[:40])


@pytest.mark.usefixtures("pseudo")
def test_team_pages_are_translated(app, course, platform_key):
    c = course
    w = Walk(c)
    moodle_groups(c, platform_key, {"alice": "1", "bob": "1", "cara": "1", "dev": "2", "eve": "2"})
    assert configure(c, rubric=RUBRIC, k="2").status_code == 303
    options = {"group_submissions": "on", "team_evaluation": "on", "contribution_factor": "on"}
    assert pick(c, "moodle", **options).status_code == 303
    w.get("groups", "prof", "/groups")
    for who in ("alice", "dev"):
        assert c.post(who, "/submit", {"body": f"Team work by {who}"}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303  # review
    w.get("team", "alice")
    w.get("team", "alice", "/team")
    rating = {f"rate-{pid(c, 'bob')}-{k}": "3" for k in ("work", "communication", "reliability")}
    assert c.post("alice", "/team", rating).status_code == 303
    _review_all(c)
    assert c.post("prof", "/phase").status_code == 303  # respond: scored
    released = c.client.post(
        f"/activities/{c.activity_id}/progress/release",
        data={"launch_token": c.tokens["prof"], "csrf_token": c.csrf_of("prof")},
    )
    assert released.status_code == 303
    w.get("team score", "bob")
    assert 'data-testid="team-factor"' in w.pages["team score: bob home"]
    found = w.problems(app)
    assert found == [], "\n".join(found)


@pytest.mark.usefixtures("french")
def test_the_class_reads_french(app, course):
    c = course
    with app.app_context():
        db.session.execute(update(Platform).values(default_language="fr"))
        db.session.commit()
    day = (date.today() + timedelta(days=7)).isoformat()
    assert configure(c, weight_peer="0.5", **{"date-1-review": day}).status_code == 303
    home = c.get("alice").get_data(as_text=True)
    assert '<html lang="fr"' in home
    assert "Que faire maintenant" in home
    assert "Tour 1 sur 2" in home and "10 points" in home
    # A French date: "10 déc. 2026"-style, never the ISO form.
    months = "janv.|févr.|mars|avr.|mai|juin|juil.|août|sept.|oct.|nov.|déc."
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}}", home), home[:3000]
    for who in student_subs():
        assert c.post(who, "/submit", {"body": f"Essai de {who}"}).status_code == 303
    assert c.post("prof", "/phase").status_code == 303
    _review_all(c)
    assert c.post("prof", "/phase").status_code == 303  # respond: scored
    released = c.client.post(
        f"/activities/{c.activity_id}/progress/release",
        data={"launch_token": c.tokens["prof"], "csrf_token": c.csrf_of("prof")},
    )
    assert released.status_code == 303
    score = c.get("alice").get_data(as_text=True)
    assert "Votre note et son calcul" in score
    # Decimal commas: "pairs 0,5" in the weights.
    assert "0,5" in score
    staff = c.get("prof").get_data(as_text=True)
    assert "Passer à" in staff and "Avancement, tour 1" in staff
    comments = [x for x in c.query(select(OutboxScore.comment)) if x]
    assert comments and all("Voir le travail" in x for x in comments)


@pytest.mark.usefixtures("french")
def test_fractional_points_in_french(app, course):
    from lti_tool.models import Activity

    with app.app_context():
        db.session.execute(update(Activity).values(points=2.5))
        db.session.commit()
    page = course.get("alice").get_data(as_text=True)
    assert "2,5 points" in page


@pytest.mark.usefixtures("pseudo")
def test_right_to_left_feedback_page(app, course, launch_locale, platform_key):
    launch_locale("ar-XB")
    course.tokens["alice"] = launch_token_of(
        launch(course.client, platform_key, "student", sub="alice", name=STUDENTS[0])
    )
    page = course.get("alice").get_data(as_text=True)
    assert '<html lang="ar-XB" dir="rtl"' in page
