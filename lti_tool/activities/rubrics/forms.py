"""Reading the rubric pages' forms into plain values. A malformed number is a `RubricError` with
the field's name, shown inline like any other refusal."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from lti_tool.activities.rubrics.services import MAX_SEED, RubricError, SetupValues


def whole(value: str | None, label: str, *, default: int | None = None) -> int:
    text = (value or "").strip()
    if not text and default is not None:
        return default
    if not text.lstrip("-").isdigit() or len(text) > 6:
        raise RubricError("BAD_NUMBER", _l("%(field)s must be a whole number.", field=label))
    return int(text)


def number(value: str | None, label: str) -> float:
    text = (value or "").strip()
    try:
        parsed = Decimal(text)
    except InvalidOperation:
        raise RubricError("BAD_NUMBER", _l("%(field)s must be a number.", field=label)) from None
    if not parsed.is_finite() or abs(parsed) > 100_000:
        raise RubricError(
            "BAD_NUMBER",
            _l("%(field)s must be a number up to %(most)s.", field=label, most="100000"),
        )
    return float(parsed)


def setup_values(form: Mapping[str, str]) -> SetupValues:
    points = [p for p in (form.get("level_points") or "").replace(";", ",").split(",") if p.strip()]
    if len(points) > 8:
        raise RubricError("BAD_LEVELS", _l("A rubric has between 2 and 8 levels."))
    seed = form.get("seed") or ""
    if len(seed) > MAX_SEED:
        raise RubricError(
            "TEXT_TOO_LONG",
            _l(
                "The seed is %(length)d characters; at most %(limit)d.",
                length=len(seed),
                limit=MAX_SEED,
            ),
        )
    return SetupValues(
        anonymous=form.get("anonymous") == "on",
        vote_mode=form.get("vote_mode") or "",
        dot_budget=whole(form.get("dot_budget"), _l("The dot budget")),
        criteria_count=whole(form.get("criteria_count"), _l("The number of criteria")),
        criteria_threshold=(
            whole(form.get("criteria_threshold"), _l("The vote threshold"))
            if (form.get("criteria_threshold") or "").strip()
            else None
        ),
        level_points=tuple(number(p, _l("Level points")) for p in points),
        seed=seed,
        participation_scored=form.get("participation_scored") == "on",
    )


def allocation(form: MultiDict[str, str]) -> dict[int, int]:
    """`votes-<criterion id>` fields -> {criterion id: points}; blank means none."""
    out: dict[int, int] = {}
    for key, value in form.items():
        if key.startswith("votes-"):
            cid = whole(key.removeprefix("votes-"), _l("A criterion"))
            out[cid] = whole(value, _l("Each vote"), default=0)
    return out


def ids(form: MultiDict[str, str], key: str) -> list[int]:
    return [whole(v, _l("A choice")) for v in form.getlist(key)]


def weights(form: MultiDict[str, str]) -> dict[int, float] | None:
    """Hand-set weights (`weight-<criterion id>`), or None to take them from the vote."""
    if form.get("weights_from") != "hand":
        return None
    return {
        whole(k.removeprefix("weight-"), _l("A criterion")): number(v, _l("Each weight"))
        for k, v in form.items()
        if k.startswith("weight-")
    }
