"""Team-member evaluation: a contribution factor on a group's work score, plain numbers in.

Each member rates every teammate on behaviour-anchored criteria; a rating is a fraction of the
top anchor (level / (levels − 1)). A member's contribution is the mean of the ratings their
teammates gave them (their own ratings of themselves never count); the team's contribution is
the mean of its rated members' contributions. The factor is

    factor = your contribution ÷ your team's contribution, kept between a floor and a ceiling,

so a team that rates everyone alike gets 1 for everyone, and the factor never turns a group score
above 100 %: adjusted work = min(1, group work × factor). A member nobody rated keeps factor 1
(a missing rating never counts as zero), as does everyone in a team whose ratings are all zero.
This is the "WebPA"-style peer-assessment factor, with the ceiling the facilitator chooses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from lti_tool.grading import feedback as formula
from lti_tool.wording import number


@dataclass(frozen=True)
class TeamFactor:
    contribution: float | None  # mean rating received, 0..1
    team_contribution: float | None
    raters: int
    factor: float

    def explain(self, work: float | None, floor: float, ceiling: float) -> str:
        """The formula with this member's numbers, for the student to check by hand."""
        return explain(
            {
                "group_work": work,
                "contribution": self.contribution,
                "team_contribution": self.team_contribution,
                "factor": self.factor,
                "floor": floor,
                "ceiling": ceiling,
            }
        )


def contribution_factors(
    received: Mapping[int, Sequence[float]],
    teams: Mapping[int, str],
    *,
    floor: float = 0.5,
    ceiling: float = 1.2,
) -> dict[int, TeamFactor]:
    """Per member of `teams` (person -> team), from the ratings `received` (fractions 0..1 that
    their teammates gave them, one per rater and criterion)."""
    means: dict[int, float | None] = {
        p: (sum(received[p]) / len(received[p]) if received.get(p) else None) for p in teams
    }
    by_team: dict[str, list[float]] = {}
    for person, team in teams.items():
        value = means[person]
        if value is not None:
            by_team.setdefault(team, []).append(value)
    out: dict[int, TeamFactor] = {}
    for person, team in teams.items():
        rated = by_team.get(team, [])
        team_mean = sum(rated) / len(rated) if rated else None
        mine = means[person]
        factor = 1.0
        if mine is not None and team_mean:
            factor = min(ceiling, max(floor, mine / team_mean))
        out[person] = TeamFactor(mine, team_mean, len(received.get(person, ())), factor)
    return out


def _two(value: float) -> str:
    locale = get_locale()
    return str(format_decimal(value, format="0.00", locale=str(locale) if locale else "en"))


def explain(team: Mapping[str, Any]) -> str:
    """The formula with a member's numbers (a breakdown's `team`), in the reader's language:
    written when the page is read, so a student reads it in theirs."""
    contribution, team_contribution = team.get("contribution"), team.get("team_contribution")
    factor, work = float(team.get("factor") or 1.0), team.get("group_work")
    if contribution is None or not team_contribution:
        return str(_l("No teammate ratings yet: contribution factor 1."))
    ratio = contribution / team_contribution
    parts = [
        str(
            _l(
                "factor = your mean rating %(mine)s ÷ team mean %(team)s = %(ratio)s",
                mine=_two(contribution),
                team=_two(team_contribution),
                ratio=_two(ratio),
            )
        )
    ]
    if ratio != factor:
        if team.get("floor") is not None and team.get("ceiling") is not None:
            parts.append(
                str(
                    _l(
                        ", kept between %(floor)s and %(ceiling)s: %(factor)s",
                        floor=number(team["floor"]),
                        ceiling=number(team["ceiling"]),
                        factor=_two(factor),
                    )
                )
            )
        else:
            parts.append(
                str(_l(", kept within the floor and ceiling: %(factor)s", factor=_two(factor)))
            )
    if work is not None:
        parts.append(
            str(
                _l(
                    "; group work %(work)s × %(factor)s = %(adjusted)s",
                    work=_two(work),
                    factor=_two(factor),
                    adjusted=_two(min(1.0, work * factor)),
                )
            )
        )
        if work * factor > 1:
            parts.append(str(_l(" (at most 1)")))
    return "".join(parts) + "."


def adjusted_work(work: float | None, factor: float) -> float | None:
    return None if work is None else min(1.0, work * factor)


def apply_factor(
    breakdown: formula.Breakdown, factor: TeamFactor, *, floor: float, ceiling: float
) -> formula.Breakdown:
    """The breakdown with its work scaled by the factor and the total recomputed by the same
    weights; the unadjusted work and the formula with the numbers are kept for the student."""
    group_work = breakdown.work
    breakdown.work = adjusted_work(group_work, factor.factor)
    weights = breakdown.weights
    work_weight = weights["peer"] + weights["self"] + weights["staff"]
    breakdown.total = formula._weighted(  # noqa: SLF001 - the one weighting rule, reused
        {
            "work": (breakdown.work, work_weight),
            "reviewing": (breakdown.reviewing, weights["reviewing"]),
        }
    )
    breakdown.team = {
        "group_work": group_work,
        "contribution": factor.contribution,
        "team_contribution": factor.team_contribution,
        "raters": factor.raters,
        "factor": factor.factor,
        "floor": floor,
        "ceiling": ceiling,
        "explained": factor.explain(group_work, floor, ceiling),
    }
    return breakdown
