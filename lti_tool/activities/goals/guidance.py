"""What a student should do next, and the SMART guidance shown beside each field."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lti_tool.activities.goals.config import GoalConfig
from lti_tool.models import Goal, GoalStatus

SMART_HELP = {
    "what": _l("What exactly will you be able to do? One specific skill or result, in your words."),
    "measure": _l("How will you and others know you got there? A number, a product, a test."),
    "plan": _l("The steps you will take, and when. Small steps you can check off."),
    "relevance": _l("Why this matters for you in this course (and which criterion it serves)."),
    "by_when": _l("The date you aim to reach it, within the activity's dates."),
}


def next_step(goals: list[Goal], config: GoalConfig, phase: str, check_ins: dict[int, int]) -> str:
    """One sentence: the most useful thing to do now."""
    if not goals:
        if phase == "reflect":
            return _("Goals are closed for this activity.")
        return _(
            "Draft your first goal (this activity asks for %(count)s or more).",
            count=config.min_goals,
        )
    statuses = [GoalStatus(g.status) for g in goals]
    if GoalStatus.CHANGES in statuses:
        return _("A change was suggested to one of your goals: read the comment and revise it.")
    if GoalStatus.DRAFT in statuses:
        return _("Finish your draft and submit it for agreement.")
    if len(goals) < config.min_goals and phase != "reflect":
        return ngettext(
            "Draft another goal: %(num)d more needed.",
            "Draft another goal: %(num)d more needed.",
            config.min_goals - len(goals),
        )
    if GoalStatus.PENDING in statuses and GoalStatus.AGREED not in statuses:
        return _("Your goal is waiting for agreement; you will see the response here.")
    behind = [
        g
        for g in goals
        if g.status == GoalStatus.AGREED and check_ins.get(g.id, 0) < config.checkins_needed
    ]
    if behind:
        return ngettext(
            "Check in on your progress (%(num)d check-in per goal; %(done)s done on your next "
            "goal).",
            "Check in on your progress (%(num)d check-ins per goal; %(done)s done on your next "
            "goal).",
            config.checkins_needed,
            done=check_ins.get(behind[0].id, 0),
        )
    if GoalStatus.AGREED in statuses:
        return _("Write your final reflection on each agreed goal.")
    if GoalStatus.PENDING in statuses:
        return _("A goal is waiting for agreement; you will see the response here.")
    return _("All done: your goals are reflected on. Well done.")
