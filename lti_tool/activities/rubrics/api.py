"""Finalised co-created rubrics, as other activities (goal setting, feedback rounds) read them.

A stable, read-only interface: goal setting links goals to criteria, feedback rounds assess
against a version and record which one. Every call is scoped by the course (context id).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LevelView:
    title: str
    description: str
    points: float


@dataclass(frozen=True)
class CriterionView:
    id: int
    title: str
    description: str
    weight: float
    levels: tuple[LevelView, ...]


@dataclass(frozen=True)
class RubricView:
    version_id: int
    activity_id: int
    title: str
    version: int
    criteria: tuple[CriterionView, ...]


def finalised_rubrics(context_id: int) -> list[RubricView]:
    """The newest published version of each finalised rubric in the course, newest first."""
    return []


def rubric_version(version_id: int, context_id: int) -> RubricView | None:
    """One published version, if it belongs to this course."""
    return None
