"""/lti/launch: the OIDC redirect URI. Checks the browser binding of the login state, has
lti_tool.lti.launch verify the id_token, provisions who and where (lti_tool.auth), lands by
message type (lti_tool.web.dispatch) and starts the launch session."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from lti_tool import i18n
from lti_tool.auth import launch_token, sessions
from lti_tool.auth.provisioning import LaunchProgress, commit_keeping_rows, provision
from lti_tool.extensions import csrf, db
from lti_tool.lti import claims
from lti_tool.lti.errors import LtiError, bad_request
from lti_tool.lti.launch import LaunchSettings, VerifiedLaunch, verify_launch
from lti_tool.lti.login import origin_of, storage_origins
from lti_tool.lti.login_state import LoginState, decode_state
from lti_tool.models import Platform, Role, UsedNonce, utcnow
from lti_tool.roster.groups import record_launch as record_launch_groups
from lti_tool.settings import Settings
from lti_tool.web.blueprint import bp, settings
from lti_tool.web.dispatch import Landing, land

log = logging.getLogger(__name__)
STORAGE_FIELD = "lti_storage_value"


def _same_origin_post() -> bool:
    """True for a POST our own page made (the storage check re-post), never a cross-site one."""
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin == origin_of(settings().LTI_TOOL_BASE_URL)


def _browser_binding(state: LoginState) -> str | None:
    """How this browser proved it started the login: 'cookie', 'storage', or None."""
    if request.cookies.get(state.cookie_name) == state.sid:
        return "cookie"
    stored = request.form.get(STORAGE_FIELD)
    if stored is None:
        return None
    if not state.storage_target or not _same_origin_post():
        raise bad_request(
            "STATE_STORAGE_INVALID", _l("The launch's storage check did not come from this tool.")
        )
    if stored != state.sid:
        raise LtiError(
            "STATE_NOT_BOUND",
            _l(
                "Your browser did not keep the sign-in started for this launch. "
                "Please launch the tool again from your course."
            ),
            401,
            "platform storage returned another value",
        )
    return "storage"


def _refuse_foreign_form_post(platform: Platform) -> None:
    """The id_token's form_post comes from the platform's page (its auth response). A page on
    another origin that posts a captured id_token and state to us, to answer lti.get_data
    itself, is refused here already, before any storage check is offered. Browsers send
    Origin on every cross-origin POST; "null" (a sandboxed frame, a redirect chain) is no
    platform's. Without the header (not a browser) there is nothing to compare."""
    origin = request.headers.get("Origin")
    if origin is not None and origin not in storage_origins(platform):
        raise LtiError(
            "STATE_STORAGE_ORIGIN",
            _l(
                "This launch did not come from your LMS's page, so Coproduce cannot confirm who "
                "you are. Please launch the tool again from your course."
            ),
            401,
            f"launch posted from {origin!r}, platform storage origins {storage_origins(platform)}",
        )


def _storage_check_page(state: LoginState, platform: Platform) -> Response:
    page = {
        "storage_target": state.storage_target,
        "storage_key": state.storage_key,
        "storage_origins": storage_origins(platform),
        "storage_field": STORAGE_FIELD,
    }
    html = render_template(
        "lti/storage_check.html",
        page=page,
        id_token=request.form.get("id_token", ""),
        state=request.form.get("state", ""),
    )
    response = Response(html)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/lti/launch", methods=["POST"])
@csrf.exempt
def launch() -> WerkzeugResponse:
    config = settings()
    state = decode_state(
        request.form.get("state"), config.SECRET_KEY, config.LOGIN_STATE_TTL_SECONDS
    )
    binding = _browser_binding(state)
    if binding is None:
        platform = db.session.get(Platform, state.platform_id)
        if state.storage_target and platform is not None:
            _refuse_foreign_form_post(platform)
            return _storage_check_page(state, platform)
        raise LtiError(
            "STATE_NOT_BOUND",
            _l(
                "Your browser blocked the cookie this tool needs to finish signing you in "
                "inside the LMS page. Open the tool in a new window, or allow cookies for "
                "this site, and try again."
            ),
            401,
            "no state cookie and no platform storage",
        )
    launch_settings = LaunchSettings(
        keys_dir=config.LTI_KEYS_DIR,
        leeway=config.JWT_LEEWAY_SECONDS,
        jwks_ttl=config.PLATFORM_JWKS_TTL_SECONDS,
        http_timeout=config.HTTP_TIMEOUT_SECONDS,
        nonce_ttl=config.LOGIN_STATE_TTL_SECONDS,
    )
    started = _provision_launch(request.form.get("id_token"), state, launch_settings, config)
    verified, landing = started.verified, started.landing
    session_id, person_id, role = started.session_id, started.person_id, started.role
    _forget_expired_nonces()
    sessions.forget_expired()
    log.info(
        "launch ok platform=%s person=%s role=%s type=%s binding=%s",
        started.platform_id,
        person_id,
        role,
        verified.message_type,
        binding,
    )
    # The landing URL carries a single-use ticket, never the session token (issue 11).
    ticket = launch_token.issue_ticket(session_id, config.SECRET_KEY)
    values: dict[str, Any] = {**landing.values, launch_token.QUERY_PARAM: ticket}
    response = redirect(url_for(landing.endpoint, **values), code=303)
    # Where partitioned cookies are kept, this one lets a reload re-open a spent ticket's page;
    # nothing depends on it (see auth.launch_token).
    for _, stale in launch_token.session_cookies(request.cookies)[launch_token.COOKIES_KEPT - 1 :]:
        response.delete_cookie(stale, path="/", secure=True, samesite="None", partitioned=True)
    response.set_cookie(
        launch_token.cookie_name(session_id),
        launch_token.session_token(session_id, started.token_salt, config.SECRET_KEY),
        max_age=config.LAUNCH_TOKEN_TTL_SECONDS,
        path="/",
        secure=True,
        httponly=True,
        samesite="None",
        partitioned=True,
    )
    response.delete_cookie(
        state.cookie_name, path="/lti/", secure=True, samesite="None", partitioned=True
    )
    return response


# A launch writes several find-or-create rows (person, course, membership, link, placement...).
# Two launches of one new user (four tabs) insert the same rows at once and one of them meets a
# unique index; twenty replays of one id_token race for its nonce. Both end the same way: roll
# back and verify again, which now sees the committed rows (or the spent nonce: 401).
LAUNCH_ATTEMPTS = 3


@dataclass(frozen=True)
class _Started:
    verified: VerifiedLaunch
    landing: Landing
    session_id: int
    token_salt: str
    person_id: int
    role: str
    platform_id: int


def _provision_launch(
    id_token: str | None, state: LoginState, launch_settings: LaunchSettings, settings: Settings
) -> _Started:
    cause = ""
    progress = LaunchProgress()
    for attempt in range(1, LAUNCH_ATTEMPTS + 1):
        try:
            # Inside the retry: the platform key cache is written here too.
            verified = verify_launch(id_token, state, launch_settings)
            # The nonce is spent first: a concurrent replay waits on its unique index
            # (PostgreSQL) instead of provisioning in parallel, and is refused once this
            # launch commits (a returning launch's read on PostgreSQL commits at once).
            session_request = sessions.SessionRequest(
                message_type=verified.message_type,
                ttl_seconds=settings.LAUNCH_TOKEN_TTL_SECONDS,
                locale=launch_language(verified),
            )
            identity = provision(
                verified,
                settings.LOGIN_STATE_TTL_SECONDS + settings.JWT_LEEWAY_SECONDS,
                session_request,
                progress,
            )
            if identity.context is not None:
                # The user's LMS groups and sections, and the groups service, as this launch
                # names them (issue 16).
                record_launch_groups(identity.context, identity.person, verified.claims)
            if identity.context is None and identity.role != Role.ADMIN:
                raise bad_request(
                    "CONTEXT_MISSING",
                    _l(
                        "Coproduce works inside a course. Please open it from a course in your LMS."
                    ),
                )
            landing = land(verified, identity)
            launch_session = identity.opened_session or sessions.start_session(
                platform_id=verified.platform.id,
                person_id=identity.person.id,
                context_id=identity.context.id if identity.context else None,
                membership_id=identity.membership.id if identity.membership else None,
                resource_link_id=identity.resource_link.id if identity.resource_link else None,
                message_type=session_request.message_type,
                courseless_role=identity.role.value,
                courseless_platform_admin=identity.platform_admin,
                ttl_seconds=session_request.ttl_seconds,
                locale=session_request.locale,
            )
            started = _Started(
                verified=verified,
                landing=landing,
                session_id=launch_session.id,
                token_salt=launch_session.token_salt,
                person_id=identity.person.id,
                role=identity.role.value,
                platform_id=verified.platform.id,
            )
            commit_keeping_rows()  # nothing after the commit reads the rows again
            return started
        except (IntegrityError, OperationalError) as exc:
            db.session.rollback()
            log.info("launch attempt %s met a concurrent write: %s", attempt, exc.orig)
            cause = str(exc.orig)
    raise LtiError(
        "LAUNCH_CONFLICT",
        _l(
            "Several launches of this page arrived at once and this one could not finish. "
            "Please launch the tool again from your course."
        ),
        409,
        cause,
    )


def launch_language(verified: VerifiedLaunch) -> str | None:
    """The language of this launch's pages: the nearest the tool speaks to the locale claim,
    else the registration's language (None: the browser's, page by page)."""
    return (
        i18n.nearest(claims.presentation_locale(verified.claims), pseudo=i18n.pseudo_enabled())
        or verified.platform.default_language
    )


def _forget_expired_nonces() -> None:
    # Cheap housekeeping on a small share of launches instead of a scheduler.
    if random.random() < 0.02:  # noqa: S311 - not security relevant
        db.session.execute(delete(UsedNonce).where(UsedNonce.expires_at < utcnow()))
        db.session.commit()
