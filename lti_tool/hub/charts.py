"""Horizontal bar charts as geometry for server-drawn SVG (templates/hub/_chart.html): a label
on the left, a bar, and the number beside it, so the chart reads without colour; the page shows
the same figures in a table under each chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from lti_tool.hub.services import CONTRIBUTIONS, STAFF_WORK, Hub
from lti_tool.wording import label as words_for
from lti_tool.wording import percent

# Narrow enough that the words stay legible when a phone scales the chart to its width, wide
# enough at 13 px text for the longest label ("Change suggested, not agreed yet", ~225 px) and
# the longest number ("16 of 16 (100%)", ~105 px) beside a full bar.
WIDTH = 560
LABEL_WIDTH = 250  # the labels' column, text right-aligned at its end
BAR_AREA = 170  # the longest bar; the rest of the width holds its number
ROW = 28
PAD = 10
LABEL_CHARS = 34  # a longer label (a staff member's long name) is shortened in the drawing


@dataclass(frozen=True)
class BarRow:
    label: str
    value: str  # as written beside the bar
    y: float
    width: float

    @property
    def drawn_label(self) -> str:
        """The label as drawn: shortened to fit its column (the chart's aria-label and the
        table beside it keep the whole label)."""
        if len(self.label) <= LABEL_CHARS:
            return self.label
        return self.label[: LABEL_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    rows: tuple[BarRow, ...]

    width = WIDTH
    label_width = LABEL_WIDTH
    bar_height = ROW - 10

    @property
    def height(self) -> int:
        return 2 * PAD + ROW * len(self.rows)

    @property
    def summary(self) -> str:
        """The chart in words, for its aria-label."""
        return _(
            "%(title)s: %(rows)s",
            title=self.title,
            rows="; ".join(f"{r.label} {r.value}" for r in self.rows),
        )


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, float, str]], top: float | None = None
) -> BarChart:
    """`items` are (label, value, value as written); bars scale to `top` (the largest value
    when not given)."""
    biggest = top if top else max((v for _, v, _ in items), default=0)
    rows = tuple(
        BarRow(
            label=label,
            value=text,
            y=PAD + i * ROW,
            width=round(BAR_AREA * value / biggest, 1) if biggest else 0.0,
        )
        for i, (label, value, text) in enumerate(items)
    )
    return BarChart(chart_id, title, rows)


def _of(part: int, whole: int) -> str:
    if not whole:
        return str(part)
    return _(
        "%(part)s of %(whole)s (%(share)s)", part=part, whole=whole, share=percent(part / whole)
    )


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def charts_of(hub: Hub) -> dict[str, BarChart]:
    """The hub's charts, each only when its figure has data (the page says what to do when
    not)."""
    a, u, g, p = hub.adoption, hub.uptake, hub.goals, hub.participation
    out: dict[str, BarChart] = {}
    if a.proposed:
        out["adoption"] = bar_chart(
            "chart-adoption",
            _("What became of students' criterion proposals"),
            [
                (_("Accepted as written"), a.accepted, _of(a.accepted, a.proposed)),
                (_("Merged into a criterion"), a.merged, _of(a.merged, a.proposed)),
                (_("Declined"), a.declined, _of(a.declined, a.proposed)),
                (_("Still open"), a.open, _of(a.open, a.proposed)),
            ],
            top=a.proposed,
        )
    if u.received:
        out["uptake"] = bar_chart(
            "chart-uptake",
            _("Feedback received, answered and acted on"),
            [
                (_("Comments received"), u.received, str(u.received)),
                (_("Responded to"), u.responded, _of(u.responded, u.received)),
                (_("Will act on"), u.will_act, str(u.will_act)),
                (_("… linked in the revision plan"), u.in_plan, _of(u.in_plan, u.will_act)),
                (_("… and revised"), u.revised, _of(u.revised, u.will_act)),
            ],
        )
    if g.agreed or g.change_pending or g.waiting:
        out["goals"] = bar_chart(
            "chart-goals",
            _("How students' goals came to be agreed"),
            [
                (_("Agreed first time"), g.agreed_first_time, str(g.agreed_first_time)),
                (_("Agreed after a change"), g.agreed_after_change, str(g.agreed_after_change)),
                (_("Change suggested, not agreed yet"), g.change_pending, str(g.change_pending)),
                (_("Waiting for a first answer"), g.waiting, str(g.waiting)),
            ],
        )
    if p.students and p.contributions:
        out["participation"] = bar_chart(
            "chart-participation",
            _("Students who took part at least once, by what they did"),
            [(_("Anything"), p.contributors, _of(p.contributors, p.students))]
            + [
                (_first_up(str(words)), p.by_what[key], _of(p.by_what[key], p.students))
                for key, words in CONTRIBUTIONS
            ],
            top=p.students,
        )
    if any(s.total for s in hub.workload):
        out["workload"] = bar_chart(
            "chart-workload",
            _("Staff work in the activities (responses, comments, endorsements, reviews)"),
            [
                (f"{s.name} ({words_for(s.role, 'role')})", s.total, str(s.total))
                for s in hub.workload
            ],
        )
    return out


WORK_WORDS = dict(STAFF_WORK)
