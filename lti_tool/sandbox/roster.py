"""The sandbox's course and people: fixed, so every newcomer and every test sees the same class."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.lti import claims


@dataclass(frozen=True)
class SandboxUser:
    id: str
    given_name: str
    family_name: str
    roles: tuple[str, ...]
    label: str  # how the sandbox's user picker describes them
    # The users a mentor may see (LTI 1.3 core 5.4.4 role_scope_mentor; Canvas: an observer's
    # observees), by their sandbox ids.
    mentees: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def email(self) -> str:
        return f"{self.given_name.lower()}.{self.family_name.lower()}@sandbox.example"


@dataclass(frozen=True)
class SandboxLink:
    id: str
    title: str


COURSE = {
    "id": "sandbox-course-101",
    "label": "COPR-101",
    "title": "Coproduction in Practice",
    "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"],
}

_STUDENT_ROLES = (claims.ROLE_LEARNER, claims.ROLE_INSTITUTION_STUDENT)

USERS: tuple[SandboxUser, ...] = (
    SandboxUser(
        "instructor-1",
        "Ada",
        "Okafor",
        (claims.ROLE_INSTRUCTOR, claims.ROLE_INSTITUTION_INSTRUCTOR),
        "Instructor",
    ),
    SandboxUser(
        "ta-1",
        "Tomás",
        "Reyes",
        (claims.ROLE_TEACHING_ASSISTANT, claims.ROLE_INSTRUCTOR),
        "Teaching assistant (coach)",
    ),
    SandboxUser("student-1", "Amira", "Haddad", _STUDENT_ROLES, "Student"),
    SandboxUser("student-2", "Ben", "Carter", _STUDENT_ROLES, "Student"),
    SandboxUser("student-3", "Chen", "Wei", _STUDENT_ROLES, "Student"),
    SandboxUser("student-4", "Dara", "Byrne", _STUDENT_ROLES, "Student"),
    SandboxUser("student-5", "Elif", "Yilmaz", _STUDENT_ROLES, "Student"),
    SandboxUser("student-6", "Femi", "Adeyemi", _STUDENT_ROLES, "Student"),
    SandboxUser("student-7", "Greta", "Lindqvist", _STUDENT_ROLES, "Student"),
    SandboxUser("student-8", "Hiro", "Tanaka", _STUDENT_ROLES, "Student"),
    SandboxUser(
        "mentor-1",
        "Jonas",
        "Weber",
        (claims.ROLE_MENTOR,),
        "Mentor of Amira Haddad",
        mentees=("student-1",),
    ),
    SandboxUser(
        "admin-1",
        "Iris",
        "Novak",
        (claims.ROLE_INSTITUTION_ADMIN, claims.ROLE_SYSTEM_ADMIN),
        "Institution administrator",
    ),
)

LINKS: tuple[SandboxLink, ...] = (SandboxLink("sandbox-link-1", "Coproduce"),)

CLIENT_ID = "coproduce-sandbox"
DEPLOYMENT_ID = "sandbox-deployment-1"


def course_members() -> tuple[SandboxUser, ...]:
    """The people enrolled in the course (a context role), as its roster lists them; the
    institution's administrator is not one of them."""
    return tuple(
        u
        for u in USERS
        if any(r.startswith((claims.MEMBERSHIP, claims.MEMBERSHIP_SUB)) for r in u.roles)
    )


def find_user(user_id: str) -> SandboxUser | None:
    return next((u for u in USERS if u.id == user_id), None)


def find_link(link_id: str) -> SandboxLink | None:
    return next((link for link in LINKS if link.id == link_id), None)
