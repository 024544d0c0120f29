"""The one CSV writer of every export (goals, rubric, feedback): each text cell is made safe to
open in a spreadsheet.

A cell starting with = + - @ (or TAB or CR, which Excel and LibreOffice skip before reading a
formula) runs as a formula when the file is opened: a student's goal "=HYPERLINK(…)" in the
facilitator's export would (CSV injection, OWASP). A leading apostrophe makes it text, and the
reader sees the value with the apostrophe. Numbers pass unchanged: a number is never a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value as a spreadsheet reads it as data, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    # Leading spaces are skipped by some spreadsheets before a formula too.
    return "'" + text if text.lstrip(" ").startswith(FORMULA_START) else text


class SafeCsvWriter:
    """csv.writer, with every cell through safe_cell."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **options: Any) -> SafeCsvWriter:
    return SafeCsvWriter(out, **options)
