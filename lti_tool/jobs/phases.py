"""Dated phases, applied by the clock: each activity kind whose phases change state when their
day comes registers a `PhaseClock` here, the same function its pages call on a visit, so a
phase moves at its time with or without a visit and records the same event either way.

Kinds whose phase is computed from the dates whenever it is read (nothing is stored when the
day comes) need no clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lti_tool.models import Activity

# (activity, today, tool base URL) -> the phases entered. Works in the caller's transaction:
# the caller commits (a visit) or the phases job does.
CatchUp = Callable[[Activity, date, str], list[str]]
# (activity, today) -> when the kind will next allocate from the roster (e.g. reviewers), if
# a date is set for it.
NextAllocation = Callable[[Activity, date], date | None]


@dataclass(frozen=True)
class PhaseClock:
    catch_up: CatchUp
    next_allocation: NextAllocation | None = None


_CLOCKS: dict[str, PhaseClock] = {}


def register_phase_clock(kind_key: str, clock: PhaseClock) -> None:
    _CLOCKS[kind_key] = clock


def clocks() -> dict[str, PhaseClock]:
    return dict(_CLOCKS)
