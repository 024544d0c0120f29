"""The sandbox's LTI Advantage services, as a strict platform serves them: an OAuth2 token
endpoint that checks the tool's client assertion against its JWKS, AGS line items, scores and
results, and NRPS memberships — paged with Link headers whose URLs carry a case-sensitive
cursor — each behind the fault injection of sandbox.faults.

Also the control endpoints tests and benchmarks use: PUT /sandbox/api/faults, PUT
/sandbox/api/roster (member status changes), POST /sandbox/api/tokens/expire, GET
/sandbox/api/stats.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Response, current_app, jsonify, request
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lti_tool.extensions import csrf, db
from lti_tool.lti import claims
from lti_tool.sandbox import bp, profiles, registry
from lti_tool.sandbox import faults as fault_settings
from lti_tool.sandbox.platform import urls
from lti_tool.sandbox.roster import SandboxUser, course_members
from lti_tool.sandbox.store import (
    ColumnReview,
    GradebookColumn,
    IssuedToken,
    ReceivedScore,
    SandboxSetting,
    ensure_tables,
)
from lti_tool.sandbox.tool_keys import ToolSignatureError, verify
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READONLY = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCOPE_NOTICE_HANDLERS = "https://purl.imsglobal.org/spec/lti/scope/noticehandlers"
AGS_SCOPES = (SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY, SCOPE_RESULT, SCOPE_SCORE)
SCOPE_GROUPS = "https://purl.imsglobal.org/spec/lti-gs/scope/contextgroup.readonly"
# PNS: sandbox.terms; groups: sandbox.groups
GRANTABLE = frozenset((*AGS_SCOPES, SCOPE_NRPS, SCOPE_NOTICE_HANDLERS, SCOPE_GROUPS))
CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"
ACTIVITY_PROGRESS = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING_PROGRESS = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
ROSTER_CHANGES = "roster_changes"


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


@bp.before_request
def _tables() -> None:
    ensure_tables(db.engine)


def _json_error(status: int, message: str, kind: str = "bad_request") -> Response:
    response = jsonify({"errors": {"type": kind, "message": message}})
    response.status_code = status
    return response


def _canvas_concluded() -> Response | None:
    """canvas-lms app/controllers/lti/ims/concerns/gradebook_services.rb,
    verify_course_not_concluded: every AGS call of a concluded course is refused."""
    profile = profiles.current()
    if profile.canvas and profile.concluded:
        return _json_error(
            422,
            "This course has concluded. AGS requests will no longer be accepted for this course.",
            "unprocessable_entity",
        )
    return None


def _moodle_error(status: int, reason: str) -> Response:
    """moodle mod/lti/classes/local/ltiservice/response.php, send(): the reason goes in the
    status line; scores.php has set the body to "[]" already, so that is what comes."""
    response = Response("[]", mimetype="application/json")
    response.status = f"{status} {reason}"
    return response


# -- URLs ----------------------------------------------------------------------------------


def lineitems_url(settings: Settings) -> str:
    return urls(settings).base + "/api/lineitems"


def lineitem_url(settings: Settings, column_id: int) -> str:
    return f"{lineitems_url(settings)}/{column_id}"


def memberships_url(settings: Settings) -> str:
    return urls(settings).base + "/api/memberships"


# -- paging --------------------------------------------------------------------------------


def _cursor(offset: int) -> str:
    # Opaque and mixed-case on purpose: a client that lower-cases the next URL breaks here.
    return base64.urlsafe_b64encode(json.dumps({"Offset": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return max(0, int(json.loads(base64.urlsafe_b64decode(padded))["Offset"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("the cursor is not one this LMS issued") from exc


def _limit(default: int) -> int:
    cap = profiles.CANVAS_MAX_PAGE if profiles.current().canvas else 1000
    try:
        return max(1, min(cap, int(request.args.get("limit", default))))
    except ValueError:
        return min(cap, default)


def _paged(
    items: Sequence[Any], base_url: str, params: dict[str, str], default_limit: int
) -> tuple[Sequence[Any], list[str]]:
    limit = _limit(default_limit)
    offset = _offset(request.args.get("cursor"))
    page = items[offset : offset + limit]
    links = []
    if offset + limit < len(items):
        query = {**params, "limit": str(limit), "cursor": _cursor(offset + limit)}
        links.append(f'<{base_url}?{urlencode(query)}>; rel="next"')
    return page, links


# -- tokens --------------------------------------------------------------------------------


@bp.route("/token", methods=["POST"])
@csrf.exempt
def token() -> Response:
    """OAuth2 client credentials with a JWT client assertion (LTI Security Framework 4.1)."""
    settings = _settings()
    faults = fault_settings.current()
    injected = fault_settings.inject(faults, token_endpoint=True)
    if injected is not None:
        return injected
    form = request.form

    def refuse(error: str, description: str, status: int = 400) -> Response:
        log.warning("sandbox token refused: %s %s", error, description)
        response = jsonify({"error": error, "error_description": description})
        response.status_code = status
        return response

    if form.get("grant_type") != "client_credentials":
        return refuse("unsupported_grant_type", "grant_type must be client_credentials")
    if (
        form.get("client_assertion_type")
        != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ):
        return refuse("invalid_request", "client_assertion_type must be jwt-bearer")
    assertion = form.get("client_assertion", "")
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError:
        return refuse("invalid_client", "client_assertion is not a JWT", 401)
    tool = registry.find(settings, str(unverified.get("iss", "")))
    if tool is None:
        return refuse("invalid_client", "unknown client", 401)
    try:
        body = verify(
            assertion, jwks_url=tool.jwks_uri, audience=urls(settings).token, issuer=tool.client_id
        )
    except ToolSignatureError as exc:
        return refuse("invalid_client", str(exc), 401)
    if body.get("sub") != tool.client_id or not body.get("jti"):
        return refuse("invalid_client", "sub must be the client_id and jti present", 401)
    scopes = [s for s in form.get("scope", "").split() if s]
    if not scopes or not set(scopes) <= GRANTABLE:
        return refuse("invalid_scope", "ask for LTI Advantage scopes only")
    issued = IssuedToken(
        token=secrets.token_urlsafe(32),
        jti=str(body["jti"]),
        client_id=tool.client_id,
        scopes=" ".join(sorted(set(scopes))),
        expires_at=_now() + timedelta(seconds=faults.token_ttl_seconds),
    )
    db.session.add(issued)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return refuse("invalid_client", "client_assertion jti already used", 401)
    return jsonify(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "expires_in": faults.token_ttl_seconds,
            "scope": issued.scopes,
        }
    )


def _now() -> datetime:
    from lti_tool.models import utcnow

    return utcnow()


def _authorized(*accepted: str) -> IssuedToken | Response:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return _json_error(401, "a Bearer access token is required", "unauthorized")
    issued = db.session.scalars(
        select(IssuedToken).where(IssuedToken.token == header[len("Bearer ") :])
    ).first()
    if issued is None or issued.revoked or issued.expires_at <= _now():
        response = _json_error(401, "the access token is invalid or expired", "unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    if not set(accepted) & set(issued.scopes.split()):
        return _json_error(403, "the access token lacks the scope for this call", "forbidden")
    return issued


def _service(*accepted: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Faults first (as a real platform in trouble would), then the token."""

    def decorator(view: Callable[..., Response]) -> Callable[..., Response]:
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            injected = fault_settings.inject(fault_settings.current())
            if injected is not None:
                return injected
            issued = _authorized(*accepted)
            if isinstance(issued, Response):
                return issued
            return view(issued, *args, **kwargs)

        wrapper.__name__ = view.__name__
        return csrf.exempt(wrapper)

    return decorator


# -- AGS: line items -------------------------------------------------------------------------


def column_json(settings: Settings, column: GradebookColumn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": lineitem_url(settings, column.id),
        "label": column.label,
        "scoreMaximum": column.score_maximum,
    }
    for key, value in (
        ("resourceId", column.resource_id),
        ("tag", column.tag),
        ("resourceLinkId", column.resource_link_id),
    ):
        if value:
            doc[key] = value
    return doc


def _column_fields(body: Any, *, partial: bool = False) -> dict[str, Any] | str:
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    fields: dict[str, Any] = {}
    label = body.get("label")
    if label is not None or not partial:
        if not isinstance(label, str) or not label.strip():
            return "label is required"
        fields["label"] = label[:300]
    maximum = body.get("scoreMaximum")
    if maximum is not None or not partial:
        if not isinstance(maximum, int | float) or maximum <= 0:
            return "scoreMaximum must be a number above 0"
        fields["score_maximum"] = float(maximum)
    for key, column in (
        ("resourceId", "resource_id"),
        ("tag", "tag"),
        ("resourceLinkId", "resource_link_id"),
    ):
        if key in body:
            fields[column] = str(body[key])[:255] if body[key] is not None else None
    return fields


@bp.route("/api/lineitems", methods=["GET", "POST"], endpoint="lineitems")
@_service(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
def lineitems(issued: IssuedToken) -> Response:
    settings = _settings()
    if request.method == "POST":
        if SCOPE_LINEITEM not in issued.scopes.split():
            return _json_error(403, "creating line items needs the lineitem scope", "forbidden")
        concluded = _canvas_concluded()
        if concluded is not None:
            return concluded
        body = request.get_json(silent=True)
        fields = _column_fields(body)
        if isinstance(fields, str):
            return _json_error(400, fields)
        refused = _canvas_link_refusal(fields.get("resource_link_id"))
        if refused is not None:
            return refused
        column = GradebookColumn(client_id=issued.client_id, **fields)
        db.session.add(column)
        db.session.flush()
        review = body.get("submissionReview") if isinstance(body, dict) else None
        if isinstance(review, dict):
            db.session.add(ColumnReview(line_item_id=column.id, review=review))
        db.session.commit()
        log.info("sandbox gradebook: column %s %r created by the tool", column.id, column.label)
        response = jsonify(column_json(settings, column))
        response.status_code = 201
        response.mimetype = "application/vnd.ims.lis.v2.lineitem+json"
        return response
    query = select(GradebookColumn).order_by(GradebookColumn.id)
    params: dict[str, str] = {}
    for arg, attribute in (
        ("resource_link_id", GradebookColumn.resource_link_id),
        ("resource_id", GradebookColumn.resource_id),
        ("tag", GradebookColumn.tag),
    ):
        if request.args.get(arg):
            query = query.where(attribute == request.args[arg])
            params[arg] = request.args[arg]
    columns = list(db.session.scalars(query))
    try:
        page, links = _paged(
            columns, lineitems_url(settings), params, fault_settings.current().page_size
        )
    except ValueError as exc:
        return _json_error(400, str(exc))
    response = jsonify([column_json(settings, c) for c in page])
    response.mimetype = "application/vnd.ims.lis.v2.lineitemcontainer+json"
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def _canvas_link_refusal(resource_link_id: str | None) -> Response | None:
    """canvas-lms app/controllers/lti/ims/line_items_controller.rb, verify_valid_resource_link:
    a `resourceLinkId` must name an assignment's link: unknown is 404, a link with no line item
    (a module item) 412 with no body."""
    if not resource_link_id or not profiles.current().canvas:
        return None
    from lti_tool.sandbox.messages import column_of, find_any_link

    if find_any_link(resource_link_id) is None:
        return _json_error(404, "The specified resource does not exist.", "not_found")
    if column_of(resource_link_id) is None:
        return Response(status=412)
    return None


def _column(column_id: int) -> GradebookColumn | Response:
    column = db.session.get(GradebookColumn, column_id)
    return column if column is not None else _json_error(404, "no such line item", "not_found")


@bp.route("/api/lineitems/<int:column_id>", methods=["GET", "PUT"], endpoint="lineitem")
@_service(SCOPE_LINEITEM, SCOPE_LINEITEM_READONLY)
def lineitem(issued: IssuedToken, column_id: int) -> Response:
    concluded = _canvas_concluded()
    if concluded is not None:
        return concluded
    column = _column(column_id)
    if isinstance(column, Response):
        return column
    if request.method == "PUT":
        if SCOPE_LINEITEM not in issued.scopes.split():
            return _json_error(403, "changing line items needs the lineitem scope", "forbidden")
        fields = _column_fields(request.get_json(silent=True))
        if isinstance(fields, str):
            return _json_error(400, fields)
        for key, value in fields.items():
            setattr(column, key, value)
        db.session.commit()
    response = jsonify(column_json(_settings(), column))
    response.mimetype = "application/vnd.ims.lis.v2.lineitem+json"
    return response


# -- AGS: scores and results -------------------------------------------------------------------


def gradable(user_id: str) -> bool:
    """Students only: like Canvas, a teacher or TA cannot be graded (422)."""
    member = member_by_id(user_id)
    return member is not None and claims.ROLE_LEARNER in member["roles"]


def _timestamp(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


@bp.route("/api/lineitems/<int:column_id>/scores", methods=["POST"], endpoint="scores")
@_service(SCOPE_SCORE)
def scores(issued: IssuedToken, column_id: int) -> Response:
    concluded = _canvas_concluded()
    if concluded is not None:
        return concluded
    column = _column(column_id)
    if isinstance(column, Response):
        return column
    profile = profiles.current()
    if request.mimetype not in ("application/vnd.ims.lis.v1.score+json", "application/json"):
        return _json_error(415, "send application/vnd.ims.lis.v1.score+json")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _json_error(400, "the body must be a JSON object")
    user_id = str(body.get("userId") or "")
    if profile.canvas and not gradable(user_id):
        # canvas-lms gradebook_services.rb, verify_user_in_context: before any field check.
        return _json_error(
            422, "User not found in course or is not a student", "unprocessable_entity"
        )
    if profile.moodle and not gradable(user_id):
        # moodle gradebookservices scores.php, get_json_for_post_request:
        # is_user_gradable_in_course, else "Incorrect score received" (400).
        return _moodle_error(400, "Incorrect score received")
    when = _timestamp(body.get("timestamp"))
    if when is None:
        return _json_error(400, "timestamp must be ISO 8601 with a time zone")
    if body.get("activityProgress") not in ACTIVITY_PROGRESS:
        return _json_error(400, "activityProgress is missing or unknown")
    if body.get("gradingProgress") not in GRADING_PROGRESS:
        return _json_error(400, "gradingProgress is missing or unknown")
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    if given is not None and (
        not isinstance(given, int | float)
        or not isinstance(maximum, int | float)
        or maximum <= 0
        or given < 0
    ):
        return _json_error(400, "scoreGiven needs a scoreMaximum above 0")
    if not gradable(user_id):
        return _json_error(
            422, "User not found in course or is not a student", "unprocessable_entity"
        )
    last = db.session.scalars(
        select(ReceivedScore)
        .where(ReceivedScore.line_item_id == column.id, ReceivedScore.user_id == user_id)
        .order_by(ReceivedScore.timestamp.desc())
        .limit(1)
    ).first()
    if (
        profile.moodle
        and last is not None
        and int(last.timestamp.timestamp()) >= int(when.timestamp())
    ):
        # moodle scores.php: a grade whose timemodified (whole seconds) is >= the score's
        # timestamp refuses it, an equal second included.
        return _moodle_error(
            409, f"Refusing score with an earlier timestamp for item {column.id} and user {user_id}"
        )
    if last is not None and when < last.timestamp:
        # canvas-lms scores_controller.rb, verify_valid_timestamp: strictly older is refused
        # (an equal timestamp is accepted).
        return _json_error(
            400,
            f"Provided timestamp of {body.get('timestamp')} before last updated timestamp of "
            f"{last.timestamp.isoformat(timespec='milliseconds')}",
        )
    extension = body.get(CANVAS_SUBMISSION)
    if profile.canvas and profile.allowed_attempts and profiles.canvas_opens_attempt(extension):
        # canvas-lms scores_controller.rb, verify_attempts_for_online_upload: a score that
        # opens a submission when no attempt is left is refused; others are taken.
        used = sum(
            profiles.canvas_opens_attempt(r.submission)
            for r in db.session.scalars(
                select(ReceivedScore).where(
                    ReceivedScore.line_item_id == column.id, ReceivedScore.user_id == user_id
                )
            )
        )
        if used >= profile.allowed_attempts:
            return _json_error(
                422,
                "The maximum number of allowed attempts has been reached for this submission",
                "unprocessable_entity",
            )
    if last is not None and when == last.timestamp:
        last.replays += 1  # the same score again (a retry after a lost answer): no new entry
        db.session.commit()
        return jsonify({"resultUrl": f"{lineitem_url(_settings(), column.id)}/results"})
    db.session.add(
        ReceivedScore(
            line_item_id=column.id,
            user_id=user_id,
            score_given=float(given) if given is not None else None,
            score_maximum=float(maximum) if isinstance(maximum, int | float) else None,
            activity_progress=body["activityProgress"],
            grading_progress=body["gradingProgress"],
            comment=str(body["comment"])[:20000] if body.get("comment") else None,
            submission=extension if isinstance(extension, dict) else None,
            timestamp=when,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # the same score arriving twice at once: one row, one replay
        db.session.execute(
            update(ReceivedScore)
            .where(
                ReceivedScore.line_item_id == column.id,
                ReceivedScore.user_id == user_id,
                ReceivedScore.timestamp == when,
            )
            .values(replays=ReceivedScore.replays + 1)
        )
        db.session.commit()
    return jsonify({"resultUrl": f"{lineitem_url(_settings(), column.id)}/results"})


def latest_scores(column_id: int) -> dict[str, ReceivedScore]:
    latest: dict[str, ReceivedScore] = {}
    for score in db.session.scalars(
        select(ReceivedScore)
        .where(ReceivedScore.line_item_id == column_id)
        .order_by(ReceivedScore.timestamp)
    ):
        latest[score.user_id] = score
    return latest


@bp.route("/api/lineitems/<int:column_id>/results", methods=["GET"], endpoint="results")
@_service(SCOPE_RESULT)
def results(issued: IssuedToken, column_id: int) -> Response:
    concluded = _canvas_concluded()
    if concluded is not None:
        return concluded
    settings = _settings()
    column = _column(column_id)
    if isinstance(column, Response):
        return column
    latest = latest_scores(column.id)
    params: dict[str, str] = {}
    if request.args.get("user_id"):
        params["user_id"] = request.args["user_id"]
        latest = {k: v for k, v in latest.items() if k == params["user_id"]}
    rows = [
        {
            "id": f"{lineitem_url(settings, column.id)}/results/{user_id}",
            "scoreOf": lineitem_url(settings, column.id),
            "userId": user_id,
            "resultScore": score.score_given,
            "resultMaximum": score.score_maximum,
            "comment": score.comment,
        }
        for user_id, score in sorted(latest.items())
    ]
    base = f"{lineitem_url(settings, column.id)}/results"
    try:
        page, links = _paged(rows, base, params, fault_settings.current().page_size)
    except ValueError as exc:
        return _json_error(400, str(exc))
    response = jsonify(list(page))
    response.mimetype = "application/vnd.ims.lis.v2.resultcontainer+json"
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


# -- NRPS ------------------------------------------------------------------------------------


def _member(user: SandboxUser) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "email": user.email,
        "roles": [
            r for r in user.roles if r.startswith((claims.MEMBERSHIP, claims.MEMBERSHIP_SUB))
        ],
        "status": "Active",
    }


def _generated(n: int) -> dict[str, Any]:
    return {
        "user_id": f"student-g{n:05d}",
        "name": f"Generated Student {n:05d}",
        "given_name": "Generated",
        "family_name": f"Student {n:05d}",
        "email": f"student.g{n:05d}@sandbox.example",
        "roles": [claims.ROLE_LEARNER],
        "status": "Active",
    }


def _roster_changes() -> list[dict[str, Any]]:
    row = db.session.get(SandboxSetting, ROSTER_CHANGES)
    return list(row.value) if row and isinstance(row.value, list) else []


def all_members() -> list[dict[str, Any]]:
    members = [_member(u) for u in course_members()]
    size = fault_settings.current().roster_size
    members += [_generated(n) for n in range(1, max(0, size - len(members)) + 1)]
    status = {c["user_id"]: c["status"] for c in _roster_changes()}
    for member in members:
        member["status"] = status.get(member["user_id"], member["status"])
    return members


def member_by_id(user_id: str) -> dict[str, Any] | None:
    for user in course_members():
        if user.id == user_id:
            return _member(user)
    if user_id.startswith("student-g"):
        try:
            n = int(user_id[len("student-g") :])
        except ValueError:
            return None
        size = fault_settings.current().roster_size
        if 1 <= n <= max(0, size - len(course_members())):
            return _generated(n)
    return None


@bp.route("/api/memberships", methods=["GET"], endpoint="memberships")
@_service(SCOPE_NRPS)
def memberships(issued: IssuedToken) -> Response:
    from lti_tool.sandbox.messages import find_any_link
    from lti_tool.sandbox.roster import COURSE

    settings = _settings()
    changes = _roster_changes()
    version = max((c["version"] for c in changes), default=0)
    params: dict[str, str] = {}
    links: list[str] = []
    if request.args.get("since") is not None:
        try:
            since = int(request.args["since"])
        except ValueError:
            return _json_error(400, "since is not a roster version this LMS issued")
        changed = {c["user_id"] for c in changes if c["version"] > since}
        members = [m for m in all_members() if m["user_id"] in changed]
        page: Sequence[dict[str, Any]] = members
    else:
        rlid = request.args.get("rlid")
        if rlid:
            if find_any_link(rlid) is None:
                return _json_error(400, "rlid names no link of this course")
            params["rlid"] = rlid
        try:
            page, links = _paged(
                all_members(), memberships_url(settings), params, fault_settings.current().page_size
            )
        except ValueError as exc:
            return _json_error(400, str(exc))
    if not links:  # the last page offers the changes from now on
        links.append(
            f'<{memberships_url(settings)}?{urlencode({"since": version})}>; rel="differences"'
        )
    response = jsonify(
        {
            "id": memberships_url(settings),
            "context": {"id": COURSE["id"], "label": COURSE["label"], "title": COURSE["title"]},
            "members": list(page),
        }
    )
    response.mimetype = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
    response.headers["Link"] = ", ".join(links)
    return response


# -- control endpoints for tests and benchmarks ------------------------------------------------


@bp.route("/api/profile", methods=["GET", "PUT"])
@csrf.exempt
def profile_endpoint() -> Response:
    """The platform profile (sandbox.profiles): generic, canvas or moodle, and its course rules."""
    if request.method == "PUT":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _json_error(400, "send a JSON object")
        try:
            profiles.update(body)
        except (ValueError, TypeError) as exc:
            return _json_error(400, str(exc))
    from dataclasses import asdict

    return jsonify(asdict(profiles.current()))


@bp.route("/api/locales", methods=["GET", "PUT"])
@csrf.exempt
def locales_endpoint() -> Response:
    """Each sandbox person's LMS language, sent as the launch's locale claim."""
    from lti_tool.sandbox.platform import set_user_locales, user_locales

    if request.method == "PUT":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _json_error(400, "send a JSON object of user id: locale")
        try:
            return jsonify(set_user_locales(body))
        except ValueError as exc:
            return _json_error(400, str(exc))
    return jsonify(user_locales())


@bp.route("/api/faults", methods=["GET", "PUT"])
@csrf.exempt
def faults_endpoint() -> Response:
    if request.method == "PUT":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _json_error(400, "send a JSON object of settings")
        try:
            saved = fault_settings.update(body, reset=request.args.get("reset") == "1")
        except (ValueError, TypeError) as exc:
            return _json_error(400, str(exc))
        log.info("sandbox faults set: %s", body)
        return jsonify(saved.__dict__)
    return jsonify(fault_settings.current().__dict__)


@bp.route("/api/roster", methods=["PUT"])
@csrf.exempt
def roster_changes() -> Response:
    """{"user_id": "Inactive" | "Deleted" | "Active", ...}: member status changes."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(
        v in ("Active", "Inactive", "Deleted") for v in body.values()
    ):
        return _json_error(400, "send {user_id: Active|Inactive|Deleted}")
    changes = _roster_changes()
    version = max((c["version"] for c in changes), default=0) + 1
    changes += [{"user_id": str(k), "status": v, "version": version} for k, v in body.items()]
    row = db.session.get(SandboxSetting, ROSTER_CHANGES)
    if row is None:
        db.session.add(SandboxSetting(name=ROSTER_CHANGES, value=changes))
    else:
        row.value = changes
    db.session.commit()
    return jsonify({"version": version})


@bp.route("/api/tokens/expire", methods=["POST"])
@csrf.exempt
def expire_tokens() -> Response:
    """Every token issued so far now answers 401, as after a platform's key or session reset."""
    count = db.session.execute(update(IssuedToken).values(revoked=True)).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return jsonify({"revoked": count})


@bp.route("/api/stats", methods=["GET"])
def stats() -> Response:
    return jsonify(
        {
            "token_requests": db.session.scalar(select(func.count(IssuedToken.id))) or 0,
            "scores": db.session.scalar(select(func.count(ReceivedScore.id))) or 0,
            "replays": db.session.scalar(select(func.coalesce(func.sum(ReceivedScore.replays), 0)))
            or 0,
            "columns": db.session.scalar(select(func.count(GradebookColumn.id))) or 0,
        }
    )
