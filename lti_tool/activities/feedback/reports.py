"""What facilitators and coaches see: progress per phase, reviewer agreement, contested scores,
nudges, and the CSV export. Built from ClassData, so the query count does not grow with the
class."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lti_tool.activities.feedback.scoring import ClassData, level_fraction, load_class, scores_of
from lti_tool.activities.feedback.services import config_of, students_of
from lti_tool.activities.spreadsheet import csv_writer
from lti_tool.models import Activity, Person
from lti_tool.models.feedback import FeedbackScore
from lti_tool.wording import label, moment, number

# Reviewers disagree strongly when their levels span more than half the scale.
DISAGREEMENT = 0.5


@dataclass
class Progress:
    round: int
    phase: str
    students: list[Person]
    submitted: set[int] = field(default_factory=set)
    late: set[int] = field(default_factory=set)
    outstanding: dict[int, int] = field(default_factory=dict)  # reviewer -> reviews not submitted
    responded: set[int] = field(default_factory=set)  # authors who answered every review
    disagreements: list[tuple[int, str, float]] = field(default_factory=list)
    contested: list[FeedbackScore] = field(default_factory=list)
    nudges: list[tuple[Person, str]] = field(default_factory=list)


def progress(activity: Activity) -> Progress:
    config = config_of(activity)
    data = load_class(activity)
    report = Progress(config.current_round, config.current_phase, students_of(activity))
    round_subs = {s.id: s for s in data.submissions if s.round == config.current_round}
    report.submitted = {s.person_id for s in round_subs.values()}
    report.late = {s.person_id for s in round_subs.values() if s.late}
    outstanding: dict[int, int] = defaultdict(int)
    unanswered: set[int] = set()
    for alloc in data.allocations:
        if alloc.submission_id not in round_subs:
            continue
        review = data.reviews.get(alloc.id)
        if review is None or review.submitted_at is None:
            if alloc.kind != "staff":
                outstanding[alloc.reviewer_id] += 1
        elif alloc.kind == "peer" and review.helpfulness is None:
            unanswered.add(round_subs[alloc.submission_id].person_id)
    report.outstanding = dict(outstanding)
    report.responded = report.submitted - unanswered
    report.disagreements = disagreements(data, config.current_round)
    report.contested = [s for s in scores_of(activity).values() if s.contest_status == "open"]
    for student in report.students:
        if config.current_phase == "submit" and student.id not in report.submitted:
            report.nudges.append((student, str(_l("has not submitted"))))
        elif config.current_phase == "review" and outstanding.get(student.id):
            report.nudges.append(
                (
                    student,
                    ngettext(
                        "%(num)d review outstanding",
                        "%(num)d reviews outstanding",
                        outstanding[student.id],
                    ),
                )
            )
        elif config.current_phase == "respond" and student.id in unanswered:
            report.nudges.append((student, str(_l("has not responded to every review"))))
    return report


# A score's contest, in the export's words.
CONTEST = {
    "open": _l("open"),
    "kept": _l("answered, score kept"),
    "overridden": _l("answered, score changed"),
}


def disagreements(data: ClassData, round_no: int) -> list[tuple[int, str, float]]:
    """(submission id, criterion title, spread) where peer levels span more than half the scale."""
    criteria = {c.id: c for c in data.criteria}
    subs = {s.id for s in data.submissions if s.round == round_no}
    values: dict[tuple[int, int], list[float]] = defaultdict(list)
    for alloc in data.allocations:
        review = data.reviews.get(alloc.id)
        if alloc.kind != "peer" or alloc.submission_id not in subs:
            continue
        if review is None or review.submitted_at is None:
            continue
        for c in data.comments.get(review.id, []):
            if c.level is not None and c.criterion_id in criteria:
                values[(alloc.submission_id, c.criterion_id)].append(
                    level_fraction(criteria[c.criterion_id], c.level)
                )
    out = []
    for (sub_id, cid), vs in sorted(values.items()):
        spread = max(vs) - min(vs)
        if len(vs) >= 2 and spread > DISAGREEMENT:
            out.append((sub_id, criteria[cid].title, spread))
    return out


def export_csv(activity: Activity) -> str:
    """Everything, one row per criterion of each review: for staff only (it names people)."""
    data = load_class(activity)
    people = {p.id: p.display_name for p in students_of(activity)}
    subs = {s.id: s for s in data.submissions}
    for s in subs.values():
        people.setdefault(s.person_id, s.person.display_name)
    criteria = {c.id: c for c in data.criteria}
    scores = scores_of(activity)
    out = io.StringIO()
    writer = csv_writer(out)
    yes, no = str(_l("yes")), str(_l("no"))
    writer.writerow(
        [
            "round", "author", "submitted_at", "late", "reviewer", "review_kind", "review_state",
            "criterion", "level", "comment", "overall", "helpfulness", "response",
            "response_reason", "endorsed", "author_score", "override_reason", "contest",
        ]
    )  # fmt: skip
    for alloc in data.allocations:
        sub = subs[alloc.submission_id]
        review = data.reviews.get(alloc.id)
        state = str(
            _l("not started")
            if review is None
            else (_l("submitted") if review.submitted_at else _l("draft saved"))
        )
        score = scores.get(sub.person_id)
        base = [
            sub.round,
            people.get(sub.person_id, ""),
            # Read by people in a spreadsheet: minutes in UTC, yes/no, words (wording).
            moment(sub.submitted_at),
            yes if sub.late else no,
            alloc.reviewer.display_name,
            label(alloc.kind, "review_kind"),
            state,
        ]
        tail = [
            review.helpfulness if review else "",
        ]
        score_cells = [
            number(score.final) if score and score.final is not None else "",
            score.override_reason if score else "",
            str(CONTEST.get(score.contest_status, score.contest_status))
            if score and score.contest_status
            else "",
        ]
        rows = data.comments.get(review.id, []) if review else []
        if not rows:
            writer.writerow(
                base
                + ["", "", "", review.overall if review else ""]
                + tail
                + ["", "", ""]
                + score_cells
            )
        for c in rows:
            crit = criteria.get(c.criterion_id)
            level = crit.levels[c.level]["title"] if crit and c.level is not None else ""
            writer.writerow(
                base
                + [crit.title if crit else "", level, c.comment]
                + [review.overall if review else ""]
                + tail
                + [
                    label(c.response, "feedback_response") if c.response else "",
                    c.response_reason,
                    yes if c.endorsed_by_id else no,
                ]
                + score_cells
            )
    return out.getvalue()
