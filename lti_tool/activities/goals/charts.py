"""Progress charts as geometry for server-rendered SVG (templates/activities/goals/_charts.html):
no JavaScript library, and every chart comes with a text equivalent built from the same data."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.activities.goals.overview import StudentLine

WIDTH, HEIGHT, PAD = 480, 200, 30
BUCKETS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))


@dataclass(frozen=True)
class Series:
    label: str
    points: tuple[tuple[float, float], ...]  # SVG x, y
    values: tuple[int, ...]  # progress % at each check-in

    @property
    def path(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    height: float


def _y(progress: float) -> float:
    return HEIGHT - PAD - (HEIGHT - 2 * PAD) * progress / 100


def student_series(goals: list[tuple[str, list[int]]]) -> list[Series]:
    """One line per goal: its progress at each check-in, in order."""
    longest = max((len(values) for _, values in goals), default=0)
    step = (WIDTH - 2 * PAD) / max(longest - 1, 1)
    return [
        Series(
            label=label,
            points=tuple((PAD + i * step, _y(v)) for i, v in enumerate(values)),
            values=tuple(values),
        )
        for label, values in goals
        if values
    ]


def class_bars(lines: list[StudentLine]) -> list[Bar]:
    """How many students' average latest progress falls in each 20 % band."""
    counts = [0] * len(BUCKETS)
    for line in lines:
        progress = line.progress
        if progress is None:
            continue
        for i, (low, high) in enumerate(BUCKETS):
            if low <= progress <= high:
                counts[i] += 1
    return bars_of(counts)


def bars_of(counts: list[int]) -> list[Bar]:
    """The bars for students counted per band of BUCKETS (the overview counts them in SQL)."""
    top = max(counts) or 1
    width = (WIDTH - 2 * PAD) / len(BUCKETS)
    bars = []
    for i, ((low, high), count) in enumerate(zip(BUCKETS, counts, strict=True)):
        height = (HEIGHT - 2 * PAD) * count / top
        bars.append(
            Bar(f"{low}–{high} %", count, PAD + i * width + 4, HEIGHT - PAD - height, height)
        )
    return bars


GEOMETRY = {"width": WIDTH, "height": HEIGHT, "pad": PAD, "bar_width": (WIDTH - 2 * PAD) / 5 - 8}
