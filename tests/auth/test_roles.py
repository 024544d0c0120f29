"""LTI roles → Coproduce roles."""

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
        ([c.ROLE_MENTOR], "coach"),
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
