"""Names and Role Provisioning Services 2.0: a course's members, page by page.

Pages follow `rel="next"`; the last page may offer `rel="differences"`, a URL that later returns
only the members who changed since (NRPS 2.0 2.4.2). `rlid` limits the roster to the members who
can reach one resource link.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from lti_tool.lti.services import PlatformClient

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEMBERSHIPS_MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
STATUSES = ("Active", "Inactive", "Deleted")


@dataclass(frozen=True)
class NrpsEndpoint:
    memberships_url: str
    versions: tuple[str, ...]

    @classmethod
    def from_claims(cls, body: Mapping[str, Any]) -> NrpsEndpoint | None:
        claim = body.get(NRPS_CLAIM)
        if not isinstance(claim, dict):
            return None
        url = claim.get("context_memberships_url")
        if not isinstance(url, str) or not url:
            return None
        versions = claim.get("service_versions")
        versions = [v for v in versions if isinstance(v, str)] if isinstance(versions, list) else []
        return cls(memberships_url=url, versions=tuple(versions))


@dataclass(frozen=True)
class Member:
    user_id: str
    status: str
    roles: tuple[str, ...]
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Member | None:
        user_id = raw.get("user_id")
        if not isinstance(user_id, str | int) or user_id == "":
            return None
        status = raw.get("status") or "Active"  # absent means Active (NRPS 2.0 2.3)
        roles = raw.get("roles")

        def text(key: str) -> str | None:
            value = raw.get(key)
            return str(value) if isinstance(value, str | int) and value != "" else None

        return cls(
            user_id=str(user_id),
            status=status if status in STATUSES else "Active",
            roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
            name=text("name"),
            given_name=text("given_name"),
            family_name=text("family_name"),
            email=text("email"),
        )


@dataclass
class Roster:
    members: list[Member] = field(default_factory=list)
    pages: int = 0
    differences_url: str | None = None


def member_pages(
    client: PlatformClient, url: str, *, rlid: str | None = None, limit: int | None = None
) -> Iterator[tuple[list[Member], dict[str, str]]]:
    params: dict[str, str] = {}
    if rlid:
        params["rlid"] = rlid
    if limit:
        params["limit"] = str(limit)
    for page, links in client.pages(url, accept=MEMBERSHIPS_MEDIA, params=params or None):
        raw = page.get("members") if isinstance(page, dict) else None
        members = [m for m in (Member.from_json(r) for r in raw or [] if isinstance(r, dict)) if m]
        yield members, links


def fetch_roster(
    client: PlatformClient, url: str, *, rlid: str | None = None, limit: int | None = None
) -> Roster:
    """Every member across all pages, and the differences URL if the platform offered one."""
    roster = Roster()
    for members, links in member_pages(client, url, rlid=rlid, limit=limit):
        roster.members.extend(members)
        roster.pages += 1
        roster.differences_url = links.get("differences") or roster.differences_url
    return roster
