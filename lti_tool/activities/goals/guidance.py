"""What a student should do next, and the SMART guidance shown beside each field."""

from __future__ import annotations

from lti_tool.activities.goals.config import GoalConfig
from lti_tool.models import Goal, GoalStatus

SMART_HELP = {
    "what": "What exactly will you be able to do? One specific skill or result, in your words.",
    "measure": "How will you and others know you got there? A number, a product, a test.",
    "plan": "The steps you will take, and when. Small steps you can check off.",
    "relevance": "Why this matters for you in this course (and which criterion it serves).",
    "by_when": "The date you aim to reach it, within the activity's dates.",
}


def next_step(goals: list[Goal], config: GoalConfig, phase: str, check_ins: dict[int, int]) -> str:
    """One sentence: the most useful thing to do now."""
    if not goals:
        if phase == "reflect":
            return "Goals are closed for this activity."
        return f"Draft your first goal (this activity asks for {config.min_goals} or more)."
    statuses = [GoalStatus(g.status) for g in goals]
    if GoalStatus.CHANGES in statuses:
        return "A change was suggested to one of your goals: read the comment and revise it."
    if GoalStatus.DRAFT in statuses:
        return "Finish your draft and submit it for agreement."
    if len(goals) < config.min_goals and phase != "reflect":
        return f"Draft another goal: {config.min_goals - len(goals)} more needed."
    if GoalStatus.PENDING in statuses and GoalStatus.AGREED not in statuses:
        return "Your goal is waiting for agreement; you will see the response here."
    behind = [
        g
        for g in goals
        if g.status == GoalStatus.AGREED and check_ins.get(g.id, 0) < config.checkins_needed
    ]
    if behind:
        return (
            f"Check in on your progress ({config.checkins_needed} check-ins per goal; "
            f"{check_ins.get(behind[0].id, 0)} done on your next goal)."
        )
    if GoalStatus.AGREED in statuses:
        return "Write your final reflection on each agreed goal."
    if GoalStatus.PENDING in statuses:
        return "A goal is waiting for agreement; you will see the response here."
    return "All done: your goals are reflected on. Well done."
