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


def participation_score(points: float, taken_part: Participation) -> float:
    """`points` × (parts done ÷ 3), rounded to two decimals; never above `points`."""
    return min(points, round(points * taken_part.done / len(PARTS), 2))
