"""The activity kind contract and the one registry that holds the kinds.

A kind is a plug-in, as a challenge type is in CTFd (`BaseChallenge`, `CHALLENGE_CLASSES`, each
plug-in's `load(app)`): its package subclasses `ActivityKind`, exports one instance as `KIND`, and
is listed once, by entry point, in `BUILT_IN_KINDS` (or, for a kind shipped outside this package,
in the `EXTRA_ACTIVITY_KINDS` setting). `create_app` loops over the list: each kind's `load(app)`
registers its blueprint, and the registry answers every question shared code has about a kind
(the picker's choices and phase dates, where a launch lands, whether an activity may change
kind, how scores are re-sent, what the gradebook's artifact says, the CSV export). Shared code
never names a kind.

Adding a kind: one package (its `KIND`, blueprint, services, templates), its models with their
migration, and one line in `BUILT_IN_KINDS`.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, current_app

if TYPE_CHECKING:
    from lti_tool.grading import ArtifactContent
    from lti_tool.models import Activity, Person

# Entry points ("module:attribute") of the kinds this package ships, in the order the picker
# lists them.
BUILT_IN_KINDS = (
    "lti_tool.activities.goals:KIND",
    "lti_tool.activities.rubrics:KIND",
    "lti_tool.activities.feedback:KIND",
)
EXTENSION = "coproduce.kinds"


@dataclass(frozen=True)
class Phase:
    key: str
    label: str


class ActivityKind(abc.ABC):
    """What every kind of activity offers the rest of the tool.

    Class attributes describe the kind; the methods are the shared roles, each with one name
    and one signature across kinds. Services called by these methods take plain values, never
    `flask.request`; they run in the caller's transaction and the caller commits.
    """

    key: str  # stored in Activity.kind; never change it once activities use it
    name: str  # in the picker and page headings
    summary: str  # one sentence under the name in the picker
    phases: tuple[Phase, ...]  # in order; the configuration form offers a date for each
    home_endpoint: str  # the kind's own page, a view taking `activity_id`
    holds_scores: bool = False  # scores wait for the facilitator's release by default

    @property
    @abc.abstractmethod
    def blueprint(self) -> Blueprint:
        """The kind's pages (a thin blueprint over its services)."""

    def load(self, app: Flask) -> None:
        """Register the kind with the app: its blueprint, and anything else it needs."""
        app.register_blueprint(self.blueprint)

    @abc.abstractmethod
    def has_data(self, activity: Activity) -> bool:
        """Whether participants have done anything in the activity yet (then its kind is fixed:
        another kind would not see their work)."""

    @abc.abstractmethod
    def rescore(
        self,
        activity: Activity,
        *,
        tool_base_url: str,
        person_id: int | None = None,
        by: Person | None = None,
    ) -> int:
        """Recompute scores and artifacts (one person's, or everyone's when `person_id` is None)
        and write those that changed through the grading outbox; how many were queued. `by` is
        who asked (None: the tool itself)."""

    @abc.abstractmethod
    def artifact(self, activity: Activity, person: Person) -> ArtifactContent:
        """The person's work as the gradebook and the artifact page show it."""

    @abc.abstractmethod
    def export_csv(self, activity: Activity) -> str | None:
        """The facilitator's CSV export of the activity (None: nothing to export yet). Written
        with `activities.spreadsheet.csv_writer`, so no cell runs as a formula."""

    def phases_now(self, activities: list[Activity], today: date) -> dict[int, str]:
        """Each activity's current phase in words (the course hub lists a course's activities),
        read for all of them at once: a fixed number of statements however many there are.
        A kind without phases to tell answers nothing (the hub then says so)."""
        return {}

    def export_filename(self, activity: Activity) -> str:
        return f"{self.key}-{activity.id}.csv"

    def phase_dates_of(self, activity: Activity) -> dict[str, str]:
        """The phase start dates the activity runs on now, by phase key: what a course copy
        proposes, moved to the new term. The dates chosen when it was placed, unless the kind
        keeps its own (feedback rounds: round 1's, as its settings page last set them)."""
        return dict(activity.phase_dates or {})

    @abc.abstractmethod
    def copy_from(
        self, source: Activity, activity: Activity, *, shift_days: int, provenance: str
    ) -> str | None:
        """Course copy (activities.copying): fill the new, empty `activity` (another course's,
        already made with the confirmed shared configuration) from `source`: the kind's own
        settings and templates, its own dates moved by `shift_days`; never participants' work
        or anything naming them. `provenance` ("from COPR-101 Fall 2026") is for any note the
        kind keeps; the answer is a detail added to it (a rubric's "v3"), or None."""

    def __repr__(self) -> str:
        return f"<ActivityKind {self.key}>"


class KindRegistry(Mapping[str, ActivityKind]):
    """The kinds an app offers, by key, in the order they were added."""

    def __init__(self, kinds: Iterable[ActivityKind] = ()) -> None:
        self._kinds: dict[str, ActivityKind] = {}
        for kind in kinds:
            self.add(kind)

    def add(self, kind: ActivityKind) -> None:
        if not isinstance(kind, ActivityKind):
            raise TypeError(f"{kind!r} does not implement ActivityKind")
        if kind.key in self._kinds:
            raise ValueError(f"two activity kinds share the key {kind.key!r}")
        self._kinds[kind.key] = kind

    def __getitem__(self, key: str) -> ActivityKind:
        return self._kinds[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)


HELD_KINDS = "coproduce.held_kinds"  # read by lti_tool.grading.release


def load_entry_point(entry_point: str) -> ActivityKind:
    """The kind named by "package.module:ATTRIBUTE"."""
    module_name, _, attribute = entry_point.strip().partition(":")
    kind = getattr(importlib.import_module(module_name), attribute or "KIND")
    if not isinstance(kind, ActivityKind):
        raise TypeError(f"{entry_point} is not an ActivityKind")
    return kind


def entry_points(extra: str = "") -> list[str]:
    """The built-in kinds, then those listed (comma-separated) in `extra`."""
    return [*BUILT_IN_KINDS, *(e.strip() for e in extra.split(",") if e.strip())]


def init_kinds(app: Flask, extra: str = "") -> KindRegistry:
    """Load every kind into the app: the one place kinds are registered."""
    registry = KindRegistry(load_entry_point(e) for e in entry_points(extra))
    for kind in registry.values():
        kind.load(app)
    app.extensions[EXTENSION] = registry
    # Grading decides a release mode without importing the activities (the layer above it):
    # it is handed the keys of the kinds that hold scores by default.
    app.extensions[HELD_KINDS] = frozenset(k.key for k in registry.values() if k.holds_scores)
    return registry


def kinds() -> KindRegistry:
    """The current app's kinds."""
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def kind_of(key: str) -> ActivityKind | None:
    return kinds().get(key)
