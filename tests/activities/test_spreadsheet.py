"""Issue 11, item 12: one CSV writer, with full formula protection, for every export."""

from __future__ import annotations

import csv
import io

import pytest

from lti_tool.activities.spreadsheet import csv_writer, safe_cell

ATTACKS = [
    '=HYPERLINK("https://evil.example.net","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
]


@pytest.mark.parametrize("text", ATTACKS)
def test_every_formula_start_becomes_text(text):
    out = io.StringIO()
    csv_writer(out).writerow([text, "plain", 3, -4.5, None])
    (row,) = list(csv.reader(io.StringIO(out.getvalue())))
    assert row[0] == "'" + text
    assert row[1:] == ["plain", "3", "-4.5", ""]  # data and numbers unchanged


def test_safe_cell_is_idempotent():
    once = safe_cell("=1+1")
    assert safe_cell(once) == once == "'=1+1"


def test_every_export_uses_the_one_writer():
    """No export builds its own csv.writer (a second copy is how the feedback CSV missed TAB and
    CR)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "lti_tool"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "csv.writer(" in p.read_text() and p.name != "spreadsheet.py"
    ]
    assert offenders == []
