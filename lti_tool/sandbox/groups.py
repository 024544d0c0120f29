"""The sandbox course's groups and sections, so a facilitator can try LMS groups locally: three
project teams and two sections, sent the way the sandbox's platform profile would send them.

- Canvas profile: `$Canvas.group.contextIds`, `$Canvas.course.sectionIds` and
  `$com.instructure.User.sectionNames` substituted into the launch's custom claim.
- Moodle profile: `$Moodle.Person.userGroupIds` (group ids only; Moodle has no sections).
- Any other profile: the Course Groups Service claim (as Blackboard Learn sends it) with the
  service itself below, and the sections as the Canvas variables.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, jsonify, request

from lti_tool.lti import claims
from lti_tool.sandbox import bp, profiles
from lti_tool.sandbox.advantage import SCOPE_GROUPS, _service
from lti_tool.sandbox.platform import urls
from lti_tool.sandbox.roster import SandboxUser
from lti_tool.sandbox.store import IssuedToken
from lti_tool.settings import Settings

GROUPS_SERVICE_CLAIM = "https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice"

GROUP_SET = ("teams", "Project teams")
# group id -> (name, members)
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "team-north": ("Team North", ("student-1", "student-2", "student-3")),
    "team-south": ("Team South", ("student-4", "student-5", "student-6")),
    "team-east": ("Team East", ("student-7", "student-8")),
}
# section id -> (name, members)
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "101": ("Morning section", ("student-1", "student-2", "student-3", "student-4")),
    "102": ("Evening section", ("student-5", "student-6", "student-7", "student-8")),
}


def _context_id(group_id: str) -> str:
    """A Canvas-looking group context id (a 40-hex digest, as Canvas's lti_context_id is)."""
    return hashlib.sha1(f"sandbox-group-{group_id}".encode()).hexdigest()  # noqa: S324 - an id


def groups_of(user_id: str) -> list[str]:
    return [g for g, (_, members) in GROUPS.items() if user_id in members]


def sections_of(user_id: str) -> list[str]:
    return [s for s, (_, members) in SECTIONS.items() if user_id in members]


def groups_url(settings: Settings) -> str:
    return urls(settings).base + "/api/groups"


def group_claims(settings: Settings, user: SandboxUser) -> dict[str, Any]:
    """What this launch adds: custom values, or the groups service claim (see the module)."""
    profile = profiles.current()
    custom: dict[str, str] = {}
    extra: dict[str, Any] = {}
    sections = sections_of(user.id)
    if not profile.moodle:
        custom["coproduce_canvas_section_ids"] = ", ".join(sections)
        custom["coproduce_canvas_section_names"] = json.dumps([SECTIONS[s][0] for s in sections])
    if profile.canvas:
        custom["coproduce_canvas_groups"] = ",".join(_context_id(g) for g in groups_of(user.id))
    elif profile.moodle:
        custom["coproduce_moodle_groups"] = ",".join(groups_of(user.id))
    else:
        extra[GROUPS_SERVICE_CLAIM] = {
            "context_groups_url": groups_url(settings),
            "context_group_sets_url": urls(settings).base + "/api/groupsets",
            "scope": [SCOPE_GROUPS],
            "service_versions": ["1.0"],
        }
    extra[claims.CUSTOM] = custom
    return extra


@bp.route("/api/groupsets", methods=["GET"], endpoint="groupsets")
@_service(SCOPE_GROUPS)
def groupsets(issued: IssuedToken) -> Response:
    response = jsonify(
        {"id": request.base_url, "sets": [{"id": GROUP_SET[0], "name": GROUP_SET[1]}]}
    )
    response.mimetype = "application/vnd.ims.lti-gs.v1.contextgroupsetcontainer+json"
    return response


@bp.route("/api/groups", methods=["GET"], endpoint="groups")
@_service(SCOPE_GROUPS)
def groups(issued: IssuedToken) -> Response:
    user_id = request.args.get("user_id")
    wanted = groups_of(user_id) if user_id else list(GROUPS)
    response = jsonify(
        {
            "id": request.url,
            "groups": [{"id": g, "name": GROUPS[g][0], "set_ids": [GROUP_SET[0]]} for g in wanted],
        }
    )
    response.mimetype = "application/vnd.ims.lti-gs.v1.contextgroupcontainer+json"
    return response
