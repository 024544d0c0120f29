"""Publishing numbered versions, the diff between them, and the change log ("you said, we
did"): every proposal with its fate and who decided."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lti_tool.activities.rubrics.levels import levels_of
from lti_tool.activities.rubrics.services import (
    MAX_TEXT,
    RubricError,
    check_level_points,
    clean_text,
    criteria_of,
    proposals_of,
    require_phase,
)
from lti_tool.activities.rubrics.voting import vote_weights
from lti_tool.domain import scoped_get
from lti_tool.events import record_event
from lti_tool.extensions import db
from lti_tool.models import Activity, Person, ProposalFate, RubricSetup, RubricVersion
from lti_tool.wording import number


def build_content(
    activity: Activity, setup: RubricSetup, weights: Mapping[int, float] | None
) -> dict[str, Any]:
    """The rubric as it stands: selected criteria, weights (by hand or from the vote), levels."""
    criteria = criteria_of(activity, selected_only=True)
    if not criteria:
        raise RubricError(
            "NO_CRITERIA", _l("The rubric has no criteria yet: select at least one."), 409
        )
    if weights is not None:
        if set(weights) != {c.id for c in criteria}:
            raise RubricError("BAD_WEIGHTS", _l("Give every selected criterion a weight."))
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise RubricError("BAD_WEIGHTS", _l("Weights must be positive numbers."))
        total = sum(weights.values())
        chosen = {cid: round(100 * w / total, 2) for cid, w in weights.items()}
    else:
        chosen = vote_weights(activity)
    out = []
    for criterion in criteria:
        levels = levels_of(criterion.id)
        if len(levels) != len(setup.level_points):
            raise RubricError(
                "LEVELS_MISSING",
                _l(
                    "“%(title)s” has %(accepted)d of %(levels)d levels accepted.",
                    title=criterion.title,
                    accepted=len(levels),
                    levels=len(setup.level_points),
                ),
                409,
            )
        check_level_points([lv.points for lv in levels])
        out.append(
            {
                "id": criterion.id,
                "title": criterion.title,
                "description": criterion.description,
                "weight": chosen.get(criterion.id, 0.0),
                "levels": [
                    {"title": lv.title, "description": lv.description, "points": lv.points}
                    for lv in levels
                ],
            }
        )
    return {"criteria": out}


def _serialise_publishes(setup: RubricSetup) -> None:
    """Take the activity's rubric row for writing before reading the latest version, so two
    publishes run one after the other: the second then sees the first's version (and its
    content) and answers NO_CHANGES instead of making version 2 of the same rubric. Without it,
    on PostgreSQL's READ COMMITTED, the second publish read "no version yet", waited, then read
    the new maximum and made a second version. On SQLite the no-op UPDATE takes the database's
    write lock, with the same effect."""
    db.session.execute(
        update(RubricSetup)
        .where(RubricSetup.id == setup.id)
        .values(id=RubricSetup.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(setup)


def publish(
    activity: Activity,
    setup: RubricSetup,
    by: Person,
    *,
    weights: Mapping[int, float] | None,
    note: str = "",
) -> RubricVersion:
    """Version N+1 of the rubric (version 1 the first time). Unique (activity, number) makes two
    simultaneous publishes fail one of them rather than both get the same number."""
    _serialise_publishes(setup)
    require_phase(activity, setup, "finalise")
    content = build_content(activity, setup, weights)
    if weights is not None:
        for criterion in criteria_of(activity, selected_only=True):
            criterion.manual_weight = float(weights[criterion.id])
    latest = latest_version(activity)
    if latest is not None and latest.content == content:
        raise RubricError("NO_CHANGES", _l("Nothing changed since the last version."), 409)
    number = (
        db.session.scalar(
            select(func.max(RubricVersion.number)).where(RubricVersion.activity_id == activity.id)
        )
        or 0
    ) + 1
    version = RubricVersion(
        activity_id=activity.id,
        context_id=activity.context_id,
        number=number,
        title=activity.title,
        content=content,
        note=clean_text(note, _l("The note"), MAX_TEXT, required=False),
        published_by_id=by.id,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:
        # Unique (activity, number): another facilitator published this number a moment ago.
        raise RubricError(
            "PUBLISHED_MEANWHILE",
            _l("Another version was published a moment ago. Reload to see it before publishing."),
            409,
        ) from None
    record_event(
        by, "rubric.published", "rubric_version", version.id, activity=activity, number=number
    )
    return version


def versions_of(activity: Activity) -> list[RubricVersion]:
    return list(
        db.session.scalars(
            select(RubricVersion)
            .where(RubricVersion.activity_id == activity.id)
            .order_by(RubricVersion.number)
        )
    )


def latest_version(activity: Activity) -> RubricVersion | None:
    return db.session.scalars(
        select(RubricVersion)
        .where(RubricVersion.activity_id == activity.id)
        .order_by(RubricVersion.number.desc())
    ).first()


def version_in(activity: Activity, version_id: int) -> RubricVersion:
    return scoped_get(
        RubricVersion,
        version_id,
        activity_id=activity.id,
        error=RubricError,
        code="VERSION_NOT_FOUND",
        message=_l("That version is not part of this activity."),
    )


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """What changed from one version to the next, in sentences (in the reader's language)."""
    fields = {
        "title": pgettext("changed part of a level", "title"),
        "description": pgettext("changed part of a level", "description"),
        "points": pgettext("changed part of a level", "points"),
    }
    before = {c["id"]: c for c in (old or {}).get("criteria", [])}
    after = {c["id"]: c for c in new.get("criteria", [])}
    lines: list[str] = []
    for cid, c in after.items():
        if cid not in before:
            lines.append(_("Added criterion “%(title)s”.", title=c["title"]))
            continue
        b = before[cid]
        if b["title"] != c["title"]:
            lines.append(_("Renamed “%(old)s” to “%(new)s”.", old=b["title"], new=c["title"]))
        if b["description"] != c["description"]:
            lines.append(_("“%(title)s”: description changed.", title=c["title"]))
        if b["weight"] != c["weight"]:
            lines.append(
                _(
                    "“%(title)s”: weight %(old)s%% → %(new)s%%.",
                    title=c["title"],
                    old=number(b["weight"]),
                    new=number(c["weight"]),
                )
            )
        for i, (lb, la) in enumerate(zip(b["levels"], c["levels"], strict=False)):
            if lb != la:
                what = [
                    str(fields[k]) for k in ("title", "description", "points") if lb[k] != la[k]
                ]
                lines.append(
                    _(
                        "“%(title)s” level %(level)d: %(what)s changed.",
                        title=c["title"],
                        level=i + 1,
                        what=", ".join(what),
                    )
                )
        if len(b["levels"]) != len(c["levels"]):
            lines.append(
                _(
                    "“%(title)s”: %(old)d → %(new)d levels.",
                    title=c["title"],
                    old=len(b["levels"]),
                    new=len(c["levels"]),
                )
            )
    for cid, b in before.items():
        if cid not in after:
            lines.append(_("Removed criterion “%(title)s”.", title=b["title"]))
    return lines


@dataclass(frozen=True)
class LogEntry:
    proposal_id: int
    title: str
    author_id: int
    fate: str
    outcome: str  # the fate in words: "accepted as-is", "merged into “X”", "declined: …"
    criterion_title: str | None
    in_rubric: bool
    decided_by: str | None
    decided_at: datetime | None


def change_log(activity: Activity) -> list[LogEntry]:
    """Every proposal with its fate, the reason and who decided."""
    entries = []
    for p in proposals_of(activity):
        crit = p.criterion
        if p.fate == ProposalFate.ACCEPTED and crit is not None:
            outcome = _("accepted as-is, as “%(title)s”", title=crit.title)
        elif p.fate == ProposalFate.MERGED and crit is not None:
            outcome = _("merged into “%(title)s”", title=crit.title)
        elif p.fate == ProposalFate.DECLINED:
            outcome = _("declined because: %(reason)s", reason=p.decline_reason)
        else:
            outcome = _("not decided yet")
        entries.append(
            LogEntry(
                proposal_id=p.id,
                title=p.title,
                author_id=p.author_id,
                fate=p.fate,
                outcome=outcome,
                criterion_title=crit.title if crit else None,
                in_rubric=bool(crit and crit.selected),
                decided_by=p.decided_by.display_name if p.decided_by else None,
                decided_at=p.decided_at,
            )
        )
    return entries
