"""LTI roles → Coproduce roles, including every row of the README's table."""

import re
from pathlib import Path

import pytest

from lti_tool.auth.roles import is_platform_admin, resolve_role
from lti_tool.lti import claims as c

M = c.MEMBERSHIP


@pytest.mark.parametrize(
    "roles,expected",
    [
        ([c.ROLE_LEARNER], "student"),
        ([c.ROLE_LEARNER, c.ROLE_INSTITUTION_STUDENT], "student"),
        ([c.ROLE_INSTRUCTOR], "facilitator"),
        ([c.ROLE_CONTENT_DEVELOPER], "facilitator"),
        ([c.ROLE_CONTEXT_ADMIN], "facilitator"),
        ([c.ROLE_TEACHING_ASSISTANT], "coach"),
        ([c.ROLE_TEACHING_ASSISTANT, c.ROLE_INSTRUCTOR], "coach"),
        ([M + "TeachingAssistant"], "coach"),
        # Issue 11: a Canvas observer (Mentor) is no coach: a read-only role of its own.
        ([c.ROLE_MENTOR], "mentor"),
        ([c.ROLE_MENTOR, c.ROLE_LEARNER], "student"),
        ([c.ROLE_MENTOR, c.ROLE_INSTRUCTOR], "facilitator"),
        ([c.ROLE_MENTOR, c.ROLE_INSTITUTION_ADMIN], "mentor"),
        ([c.ROLE_MENTOR, c.ROLE_INSTITUTION_STUDENT, c.SYSTEM + "User"], "mentor"),
        (["Instructor"], "facilitator"),  # simple context role names (deprecated, still sent)
        (["Learner"], "student"),
        ([c.ROLE_INSTITUTION_ADMIN], "admin"),
        ([c.ROLE_SYSTEM_ADMIN], "admin"),
        ([c.ROLE_SYSTEM_SYSADMIN], "admin"),
        # Context roles decide first: an institution admin who is a learner here is a student.
        ([c.ROLE_LEARNER, c.ROLE_INSTITUTION_ADMIN], "student"),
        ([c.ROLE_INSTRUCTOR, c.ROLE_INSTITUTION_ADMIN], "facilitator"),
        ([], "student"),  # least privilege
        (["http://example.com/unknown#Role"], "student"),
        ([c.ROLE_INSTITUTION_INSTRUCTOR], "student"),
    ],
)
def test_resolve_role(roles, expected):
    assert resolve_role(roles).value == expected


def test_platform_admin():
    assert is_platform_admin([c.ROLE_INSTITUTION_ADMIN])
    assert not is_platform_admin([c.ROLE_CONTEXT_ADMIN])


def _readme_rows() -> list[tuple[str, str]]:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Roles", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (`[^`]+`|\([^)]*\)) \| (\w+) \|", section, re.M)
    return [(uri.strip("`"), role) for uri, role in rows]


README_ROWS = _readme_rows()


def test_the_readme_table_is_there():
    assert len(README_ROWS) > 40
    assert {role for _, role in README_ROWS} == {
        "student",
        "mentor",
        "coach",
        "facilitator",
        "admin",
    }


@pytest.mark.parametrize("uri,expected", README_ROWS, ids=[u for u, _ in README_ROWS])
def test_every_readme_row(uri, expected):
    roles = [] if uri.startswith("(") else [uri]
    assert resolve_role(roles).value == expected
    if uri.startswith("("):
        assert resolve_role(["urn:example:unknown"]).value == expected
