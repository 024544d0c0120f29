"""Reading the feedback rounds forms into plain values; a malformed value is a FeedbackError in
the facilitator's or student's words (never a 500)."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from lti_tool.activities.feedback.reviewing import ReviewInput
from lti_tool.activities.feedback.rules import thousands
from lti_tool.activities.feedback.services import (
    PHASES,
    CriterionInput,
    FeedbackError,
    Settings,
)
from lti_tool.robustness import bounded_int

MAX_RUBRIC_TEXT = 10_000


def _int(data: Mapping[str, str], name: str, label: str, default: int | None = None) -> int:
    raw = (data.get(name) or "").strip()
    if not raw and default is not None:
        return default
    try:
        return bounded_int(raw)
    except ValueError as exc:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("%(field)s: give a whole number.", field=label)
        ) from exc


def _float(data: Mapping[str, str], name: str, label: str) -> float:
    try:
        return float((data.get(name) or "0").strip())
    except ValueError as exc:
        raise FeedbackError(
            "FEEDBACK_REFUSED", _l("%(field)s: give a number.", field=label)
        ) from exc


def parse_settings(data: Mapping[str, str]) -> Settings:
    rounds = _int(data, "rounds", _l("Rounds"))
    dates: dict[str, dict[str, str]] = {}
    for r in range(1, min(rounds, 5) + 1):
        for phase in PHASES:
            value = (data.get(f"date-{r}-{phase}") or "").strip()
            if value:
                dates.setdefault(str(r), {})[phase] = value
    return Settings(
        rounds=rounds,
        reviewers_per_submission=_int(data, "k", _l("Reviewers per submission")),
        allocation=data.get("allocation", "random"),
        self_review=data.get("self_review") == "on",
        staff_review=data.get("staff_review") == "on",
        anonymity=data.get("anonymity", "double_blind"),
        aggregate=data.get("aggregate", "median"),
        weight_peer=_float(data, "weight_peer", _l("Peer weight")),
        weight_self=_float(data, "weight_self", _l("Self weight")),
        weight_staff=_float(data, "weight_staff", _l("Facilitator weight")),
        weight_reviewing=_float(data, "weight_reviewing", _l("Reviewing weight")),
        reshuffle=data.get("reshuffle") == "on",
        late_policy=data.get("late_policy", "accept"),
        round_dates=dates,
    )


def parse_rubric(text: str) -> list[CriterionInput]:
    """One criterion a line: `Title: level 1 / level 2 / level 3` (lowest level first)."""
    if len(text) > MAX_RUBRIC_TEXT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("The rubric is limited to %(count)s characters.", count=thousands(MAX_RUBRIC_TEXT)),
        )
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l("Line %(line)d: write `Title: level / level / level`.", line=number),
            )
        title, levels = line.split(":", 1)
        items.append(
            CriterionInput(
                title=title.strip(),
                description="",
                levels=tuple(lv.strip() for lv in levels.split("/")),
            )
        )
    return items


def rubric_text(criteria: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.title + ": " + " / ".join(lv["title"] for lv in c.levels) for c in criteria)


def same_rubric(text: str, criteria: list) -> bool:  # type: ignore[type-arg]
    """Whether the posted text is the rubric in use (browsers send CRLF and stray spaces)."""

    def lines(value: str) -> list[str]:
        return [
            " / ".join(part.strip() for part in line.strip().split("/"))
            for line in value.splitlines()
            if line.strip()
        ]

    return lines(text) == lines(rubric_text(criteria))


def parse_review(data: Mapping[str, str], criterion_ids: list[int]) -> ReviewInput:
    levels: dict[int, int | None] = {}
    comments: dict[int, str] = {}
    for cid in criterion_ids:
        raw = (data.get(f"level-{cid}") or "").strip()
        if raw:
            try:
                levels[cid] = bounded_int(raw)
            except ValueError as exc:
                raise FeedbackError(
                    "FEEDBACK_REFUSED", _l("That level is not in the rubric.")
                ) from exc
        comments[cid] = data.get(f"comment-{cid}", "")
    unknown = [
        k for k in data if k.startswith(("level-", "comment-")) and not _known(k, criterion_ids)
    ]
    if unknown:
        raise FeedbackError("FEEDBACK_REFUSED", _l("That criterion is not in this rubric."))
    return ReviewInput(
        levels=levels,
        comments=comments,
        overall=data.get("overall", ""),
        submit=data.get("action") == "submit",
    )


def _known(key: str, criterion_ids: list[int]) -> bool:
    tail = key.split("-", 1)[1]
    return tail.isdigit() and int(tail) in criterion_ids


def parse_responses(data: Mapping[str, str]) -> tuple[int | None, dict[int, tuple[str, str]]]:
    helpfulness = _int(data, "helpfulness", _l("Helpfulness"), default=0) or None
    responses: dict[int, tuple[str, str]] = {}
    for key, value in data.items():
        if key.startswith("response-"):
            tail = key.removeprefix("response-")
            if not tail.isdigit():
                raise FeedbackError(
                    "FEEDBACK_REFUSED", _l("That comment is not part of this review.")
                )
            responses[int(tail)] = (value, data.get(f"reason-{tail}", ""))
    return helpfulness, responses


def parse_groups(text: str, students: Mapping[str, int]) -> dict[int, str]:
    """One group a line: `Group name: Student name, Student name` (names as in the course)."""
    if len(text) > MAX_RUBRIC_TEXT:
        raise FeedbackError(
            "FEEDBACK_REFUSED",
            _l("Groups are limited to %(count)s characters.", count=thousands(MAX_RUBRIC_TEXT)),
        )
    out: dict[int, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if ":" not in line:
            raise FeedbackError(
                "FEEDBACK_REFUSED",
                _l("Groups, line %(line)d: write `Group: name, name`.", line=number),
            )
        label, names = line.split(":", 1)
        for name in (n.strip() for n in names.split(",")):
            if not name:
                continue
            if name not in students:
                raise FeedbackError(
                    "FEEDBACK_REFUSED",
                    _l(
                        "Groups, line %(line)d: no student called “%(name)s”.",
                        line=number,
                        name=name,
                    ),
                )
            out[students[name]] = label.strip()
    return out


def groups_text(groups: Mapping[str, str], names: Mapping[int, str]) -> str:
    by_label: dict[str, list[str]] = {}
    for pid, label in groups.items():
        if int(pid) in names:
            by_label.setdefault(label, []).append(names[int(pid)])
    return "\n".join(f"{label}: {', '.join(sorted(ns))}" for label, ns in sorted(by_label.items()))
