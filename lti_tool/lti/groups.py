"""Groups and sections as platforms send them: custom substitution values in the launch, and the
LTI Course Groups Service 1.0 (https://www.imsglobal.org/spec/lti-gs/v1p0/).

Substitution variables the tool asks for (registration.py, canvas_config.py, docs/install-*):
- Canvas `$Canvas.group.contextIds`: the LTI context ids of the launching user's groups in the
  course; `$Canvas.course.sectionIds` ("42, 43") and `$com.instructure.User.sectionNames` (a JSON
  array) for their sections (canvas-lms doc/api/tools_variable_substitutions.md,
  lib/lti/variable_expander.rb). Canvas sends no group names or group categories there.
- Moodle `$Moodle.Person.userGroupIds`: `implode(",", groups_get_user_groups($course->id,
  $user->id)[0])`, the ids of every group the user is in, no names (mod/lti/locallib.php).
A platform that does not know a variable sends it back unexpanded ("$Canvas.group.contextIds"),
which means "nothing known" here.

The Course Groups Service (Blackboard Learn sends its claim; Moodle only with a plugin): the claim
`https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice` names `context_groups_url` and
optionally `context_group_sets_url`; both are containers paged by `rel="next"`, groups carry
`id`, `name` and their set (`set_id`, or `set_ids` in the draft), and `?user_id=` limits the
groups to one user's (Moodle's ltiservice_contextgroups resource reads exactly that parameter).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lti_tool.lti import claims
from lti_tool.lti.services import PlatformClient

GROUPS_SERVICE_CLAIM = "https://purl.imsglobal.org/spec/lti-gs/claim/groupsservice"
SCOPE_GROUPS = "https://purl.imsglobal.org/spec/lti-gs/scope/contextgroup.readonly"
GROUPS_MEDIA = "application/vnd.ims.lti-gs.v1.contextgroupcontainer+json"
GROUP_SETS_MEDIA = "application/vnd.ims.lti-gs.v1.contextgroupsetcontainer+json"

# The custom parameters Coproduce asks platforms to fill (name -> substitution variable).
CUSTOM_GROUP_PARAMETERS: dict[str, str] = {
    "coproduce_canvas_groups": "$Canvas.group.contextIds",
    "coproduce_canvas_section_ids": "$Canvas.course.sectionIds",
    "coproduce_canvas_section_names": "$com.instructure.User.sectionNames",
    "coproduce_moodle_groups": "$Moodle.Person.userGroupIds",
}


def group_parameters(product_family: str) -> dict[str, str]:
    """The custom parameters to register with a platform: its own variables where we know its
    family, every one otherwise (an unknown variable comes back unexpanded and is ignored)."""
    if product_family == "canvas":
        return {k: v for k, v in CUSTOM_GROUP_PARAMETERS.items() if "canvas" in k}
    if product_family == "moodle":
        return {k: v for k, v in CUSTOM_GROUP_PARAMETERS.items() if "moodle" in k}
    return dict(CUSTOM_GROUP_PARAMETERS)


MAX_IDS = 100  # nobody is in more groups than this in one course; more is malformed input


@dataclass(frozen=True)
class LaunchGroups:
    """What one launch says about the launching user's groups and sections (ids as strings;
    `names` where the platform gave them). None: the platform said nothing (not even "none")."""

    canvas_groups: tuple[str, ...] | None = None
    moodle_groups: tuple[str, ...] | None = None
    sections: tuple[tuple[str, str], ...] | None = None  # (id, name)


def _substituted(custom: Mapping[str, Any], key: str) -> str | None:
    value = custom.get(key)
    if not isinstance(value, str | int):
        return None
    text = str(value).strip()
    # Unexpanded: the platform does not know the variable (or withheld it).
    return None if text.startswith("$") else text


def _ids(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    return tuple(dict.fromkeys(p[:255] for p in parts if p))[:MAX_IDS]


def _names(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [str(v)[:300] for v in value if isinstance(v, str | int)]


def launch_groups(body: Mapping[str, Any]) -> LaunchGroups:
    custom = body.get(claims.CUSTOM)
    if not isinstance(custom, dict):
        return LaunchGroups()
    section_ids = _ids(_substituted(custom, "coproduce_canvas_section_ids"))
    sections = None
    if section_ids is not None:
        names = _names(_substituted(custom, "coproduce_canvas_section_names"))
        # Canvas builds both lists from the user's enrolments in the same order; when the counts
        # differ the names cannot be matched to ids, so the ids stand for themselves.
        paired = len(names) == len(section_ids)
        sections = tuple(
            (sid, names[i] if paired else f"Section {sid}") for i, sid in enumerate(section_ids)
        )
    return LaunchGroups(
        canvas_groups=_ids(_substituted(custom, "coproduce_canvas_groups")),
        moodle_groups=_ids(_substituted(custom, "coproduce_moodle_groups")),
        sections=sections,
    )


@dataclass(frozen=True)
class GroupsEndpoint:
    groups_url: str
    group_sets_url: str | None
    scopes: tuple[str, ...]

    @classmethod
    def from_claims(cls, body: Mapping[str, Any]) -> GroupsEndpoint | None:
        claim = body.get(GROUPS_SERVICE_CLAIM)
        if not isinstance(claim, dict):
            return None
        url = claim.get("context_groups_url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            return None
        sets = claim.get("context_group_sets_url")
        scope = claim.get("scope")
        return cls(
            groups_url=url[:1000],
            group_sets_url=sets[:1000] if isinstance(sets, str) and sets else None,
            scopes=tuple(s for s in scope if isinstance(s, str)) if isinstance(scope, list) else (),
        )


@dataclass(frozen=True)
class RemoteGroup:
    id: str
    name: str
    set_ids: tuple[str, ...]


@dataclass
class CourseGroups:
    """Everything the Course Groups Service said: the sets, the groups, and each user's groups
    (by `sub`) for the users asked about."""

    sets: dict[str, str] = field(default_factory=dict)  # set id -> name
    groups: dict[str, RemoteGroup] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # sub -> group ids
    requests: int = 0


def _group(raw: Mapping[str, Any]) -> RemoteGroup | None:
    gid = raw.get("id")
    if not isinstance(gid, str | int) or str(gid) == "":
        return None
    set_ids: list[str] = []
    if isinstance(raw.get("set_ids"), list):
        set_ids = [str(s) for s in raw["set_ids"] if isinstance(s, str | int)]
    elif isinstance(raw.get("set_id"), str | int):
        set_ids = [str(raw["set_id"])]
    name = raw.get("name")
    return RemoteGroup(
        id=str(gid)[:255],
        name=str(name)[:300] if isinstance(name, str) and name else f"Group {gid}",
        set_ids=tuple(set_ids),
    )


def _groups_pages(
    client: PlatformClient, url: str, params: Mapping[str, str] | None, out: CourseGroups
) -> list[RemoteGroup]:
    found: list[RemoteGroup] = []
    for page, _links in client.pages(url, accept=GROUPS_MEDIA, params=params):
        out.requests += 1
        raw = page.get("groups") if isinstance(page, dict) else None
        found += [g for g in (_group(r) for r in raw or [] if isinstance(r, dict)) if g]
    return found


def fetch_course_groups(
    client: PlatformClient, endpoint: GroupsEndpoint, subs: list[str]
) -> CourseGroups:
    """The course's group sets and groups, then each of `subs`' groups (`?user_id=`): the
    service lists groups, not their members, so membership is asked per user."""
    out = CourseGroups()
    if endpoint.group_sets_url:
        for page, _links in client.pages(endpoint.group_sets_url, accept=GROUP_SETS_MEDIA):
            out.requests += 1
            raw = page.get("sets") if isinstance(page, dict) else None
            for item in raw or []:
                if isinstance(item, dict) and isinstance(item.get("id"), str | int):
                    name = item.get("name")
                    out.sets[str(item["id"])[:255]] = (
                        str(name)[:300] if isinstance(name, str) and name else f"Set {item['id']}"
                    )
    for group in _groups_pages(client, endpoint.groups_url, None, out):
        out.groups[group.id] = group
    for sub in subs:
        mine = _groups_pages(client, endpoint.groups_url, {"user_id": sub}, out)
        out.members[sub] = [g.id for g in mine]
        for group in mine:
            out.groups.setdefault(group.id, group)
    return out
