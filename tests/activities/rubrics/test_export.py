"""Exports: JSON, Canvas's rubric import CSV (parsed back) and CASE CFRubric (checked against
the CFRubric, CFRubricCriterion and CFRubricCriterionLevel fields)."""

from __future__ import annotations

import csv
import io
import json
import uuid

from lti_tool.activities.rubrics import export, services, versions
from lti_tool.extensions import db
from tests.activities.rubrics.helpers import published

CF_RUBRIC = {"identifier", "uri", "title", "description", "lastChangeDateTime", "CFRubricCriteria"}
CF_CRITERION = {
    "identifier",
    "uri",
    "category",
    "description",
    "weight",
    "position",
    "rubricId",
    "lastChangeDateTime",
    "CFRubricCriterionLevels",
}
CF_LEVEL = {
    "identifier",
    "uri",
    "description",
    "quality",
    "score",
    "feedback",
    "position",
    "criterionId",
    "lastChangeDateTime",
}


def test_canvas_csv_parses_back_to_the_rubric(course):
    version = published(course)
    rows = list(csv.reader(io.StringIO(export.to_canvas_csv(version))))
    header, body = rows[0], rows[1:]
    assert header[:4] == [
        "Rubric Name",
        "Criteria Name",
        "Criteria Description",
        "Criteria Enable Range",
    ]
    assert header[4:] == ["Rating Name", "Rating Description", "Rating Points"] * 4
    parsed = []
    for row in body:
        ratings = [row[i : i + 3] for i in range(4, len(row), 3)]
        parsed.append((row[1], row[2], [(n, d, float(p)) for n, d, p in ratings]))
        assert row[0] == "Essay rubric (v1)" and row[3] == "false"
    expected = [
        (
            c["title"],
            c["description"],
            sorted(
                ((lv["title"], lv["description"], lv["points"]) for lv in c["levels"]),
                key=lambda r: -r[2],
            ),
        )
        for c in version.content["criteria"]
    ]
    assert parsed == expected


def test_canvas_csv_defuses_formulas(course):
    version = published(course)
    version.content = {"criteria": [{**version.content["criteria"][0], "title": "=HYPERLINK(1)"}]}
    rows = list(csv.reader(io.StringIO(export.to_canvas_csv(version))))
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_case_cfrubric_fields(course):
    version = published(course)
    case = export.to_case(version, "https://tool.example")
    json.dumps(case)
    assert set(case) == CF_RUBRIC
    uuid.UUID(case["identifier"])
    assert len(case["CFRubricCriteria"]) == 2
    for pos, crit in enumerate(case["CFRubricCriteria"], start=1):
        assert set(crit) == CF_CRITERION
        assert crit["rubricId"] == case["identifier"] and crit["position"] == pos
        scores = []
        for level in crit["CFRubricCriterionLevels"]:
            assert set(level) == CF_LEVEL and level["criterionId"] == crit["identifier"]
            scores.append(level["score"])
        assert scores == [1, 2, 3, 4]
    assert case == export.to_case(version, "https://tool.example")  # stable identifiers


def test_json_names_authors_only_when_allowed(course):
    version = published(course)
    log = versions.change_log(course.activity)
    anonymous = export.to_json(version, log, None)
    text = json.dumps(anonymous)
    assert "Student 0" not in text and "Student 1" not in text
    assert [e["outcome"] for e in anonymous["change_log"]][:3] == [
        "merged into “Clarity”",
        "merged into “Clarity”",
        "declined because: Length is not quality",
    ]
    credits = {p.id: p.author.display_name for p in services.proposals_of(course.activity)}
    named = export.to_json(version, log, credits)
    assert named["change_log"][0]["author"] == "Student 0"
    assert named["criteria"] == version.content["criteria"]
    db.session.rollback()
