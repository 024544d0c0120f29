"""Rubric co-creation's participation score: an equal share of the activity's points for each
way of taking part (proposing, commenting, voting), so a student sees exactly what counted."""

from __future__ import annotations

from dataclasses import dataclass

PARTS = ("proposed", "commented", "voted")


@dataclass(frozen=True)
class Participation:
    proposed: bool
    commented: bool
    voted: bool

    @property
    def done(self) -> int:
        return sum((self.proposed, self.commented, self.voted))


def participation_score(
    points: float, taken_part: Participation, excused: frozenset[str] = frozenset()
) -> float | None:
    """`points` × (parts done ÷ 3), rounded to two decimals; never above `points`. A part the
    student is excused from drops out (parts done of the rest ÷ the rest); excused from all
    three, there is no score (None)."""
    counted = [p for p in PARTS if p not in excused]
    if not counted:
        return None
    done = sum(1 for p in counted if getattr(taken_part, p))
    return min(points, round(points * done / len(counted), 2))
