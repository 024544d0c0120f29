"""Platform profiles of the sandbox LMS: besides its own strict-but-generic behaviour, it can
answer grades and roster calls as Canvas or Moodle do, by their documented rules and source, so
the tool's grade and roster code is tested against the rules that lose scores on real platforms
rather than against the sandbox's habits.

Set with PUT /sandbox/api/profile {"family": "canvas", "allowed_attempts": 1, ...}. Each rule's
comment names where it comes from. Stored like the faults, so every process applies it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from lti_tool.extensions import db
from lti_tool.sandbox.store import SandboxSetting

SETTING = "profile"
FAMILIES = ("generic", "canvas", "moodle")

# canvas-lms lib/api.rb, Api.per_page: `api_max_per_page` (50) caps every paginated API,
# names and roles included.
CANVAS_MAX_PAGE = 50


@dataclass(frozen=True)
class Profile:
    family: str = "generic"
    # Canvas: the assignment's allowed attempts (0: unlimited). canvas-lms
    # app/controllers/lti/ims/scores_controller.rb, verify_attempts_for_online_upload.
    allowed_attempts: int = 0
    # Canvas: the course has concluded (gradebook_services.rb, verify_course_not_concluded).
    concluded: bool = False

    @classmethod
    def from_json(cls, raw: Any) -> Profile:
        if not isinstance(raw, dict):
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown profile setting {sorted(unknown)[0]!r}")
        family = str(raw.get("family", "generic"))
        if family not in FAMILIES:
            raise ValueError(f"family must be one of {', '.join(FAMILIES)}")
        return cls(
            family=family,
            allowed_attempts=max(0, int(raw.get("allowed_attempts", 0))),
            concluded=bool(raw.get("concluded", False)),
        )

    @property
    def canvas(self) -> bool:
        return self.family == "canvas"

    @property
    def moodle(self) -> bool:
        return self.family == "moodle"


def current() -> Profile:
    row = db.session.get(SandboxSetting, SETTING)
    try:
        return Profile.from_json(row.value if row else None)
    except (ValueError, TypeError):
        return Profile()


def update(changes: dict[str, Any]) -> Profile:
    profile = Profile.from_json({**asdict(current()), **changes})
    row = db.session.get(SandboxSetting, SETTING)
    if row is None:
        row = SandboxSetting(name=SETTING, value={})
        db.session.add(row)
    row.value = asdict(profile)
    db.session.commit()
    return profile


def reset() -> Profile:
    return update(asdict(replace(Profile())))


def canvas_opens_attempt(extension: Any) -> bool:
    """canvas-lms scores_controller.rb, new_submission?: every score counts as a new submission
    unless the submission extension says new_submission: false or submission_type "none"."""
    if not isinstance(extension, dict):
        return True
    flag = extension.get("new_submission")
    new = flag is None or flag is True or str(flag).lower() in ("true", "1")
    return new and extension.get("submission_type") != "none"
