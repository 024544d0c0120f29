"""The three kinds of activity and their phases (product.md, "The three activities"). Each kind's
own pages arrive with its issue; until then an activity shows its configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    key: str
    label: str


@dataclass(frozen=True)
class ActivityKind:
    key: str
    name: str
    summary: str
    phases: tuple[Phase, ...]


GOAL_SETTING = ActivityKind(
    "goal_setting",
    "Goal setting",
    "Students draft SMART goals, agree them with a facilitator or coach, check in on their "
    "progress and reflect at the end.",
    (
        Phase("draft", "Draft goals"),
        Phase("agree", "Agree goals"),
        Phase("check_in", "Check-ins"),
        Phase("reflect", "Final reflection"),
    ),
)
RUBRIC_COCREATION = ActivityKind(
    "rubric_cocreation",
    "Rubric co-creation",
    "The class proposes criteria, discusses and merges them, votes, describes levels, and the "
    "facilitator publishes the rubric with a change log.",
    (
        Phase("propose", "Propose criteria"),
        Phase("discuss", "Discuss and cluster"),
        Phase("vote", "Vote"),
        Phase("describe", "Describe levels"),
        Phase("finalise", "Finalise"),
    ),
)
FEEDBACK_ROUNDS = ActivityKind(
    "feedback_rounds",
    "Feedback rounds",
    "Students submit work, review peers against the rubric, respond to the feedback they "
    "received and revise, round after round.",
    (
        Phase("submit", "Submit"),
        Phase("review", "Review"),
        Phase("respond", "Respond"),
        Phase("revise", "Revise"),
    ),
)

KINDS: dict[str, ActivityKind] = {
    k.key: k for k in (GOAL_SETTING, RUBRIC_COCREATION, FEEDBACK_ROUNDS)
}


def kind_of(key: str) -> ActivityKind | None:
    return KINDS.get(key)


# Each kind's own page, once its package exists: kind key -> endpoint taking `activity_id`.
# `activities.show` sends a launch there; a kind not registered yet shows its configuration.
KIND_PAGES: dict[str, str] = {}


def register_kind_page(kind_key: str, endpoint: str) -> None:
    KIND_PAGES[kind_key] = endpoint
