"""Admin console views: thin; the rules are in admin/platforms.py, keys.py, accounts.py."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, NoReturn
from urllib.parse import urlencode

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response

from lti_tool.admin import bp
from lti_tool.admin import keys as admin_keys
from lti_tool.admin.access import admin_required, current_admin
from lti_tool.admin.audit import AUDIT_KINDS, AuditFilter, audit_page, record
from lti_tool.admin.forms import (
    ActionForm,
    ConfirmDeleteForm,
    DeploymentForm,
    MoodlePresetForm,
    PlatformForm,
    RetireKeyForm,
)
from lti_tool.admin.health import figures as health_figures
from lti_tool.admin.health import job_rows, run_checks
from lti_tool.admin.messages import back as _back
from lti_tool.admin.onboarding import create_invite
from lti_tool.admin.platforms import (
    TRUST_FIELDS,
    NotPermitted,
    PlatformFields,
    RegistrationError,
    add_deployment,
    add_platform,
    address_warnings,
    get_deployment,
    get_platform,
    list_platforms,
    remove_platform,
    set_deployment_status,
    set_platform_status,
    update_platform,
)
from lti_tool.admin.presets import CANVAS_CLOUD, ToolUrls, moodle_preset
from lti_tool.admin.words import DEPLOYMENT_STATUS, PLATFORM_STATUS
from lti_tool.auth.current import AccessDenied
from lti_tool.extensions import db
from lti_tool.grading import kick, queue_summary, retry_failed, stuck_scores
from lti_tool.models import DeploymentStatus, Platform, PlatformStatus
from lti_tool.settings import Settings


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


_NOT_FOUND = {
    "registration": (_l("This is not your platform's registration."), _l("No such registration.")),
    "deployment": (_l("This is not your platform's deployment."), _l("No such deployment.")),
}


def _not_found(what: str) -> NoReturn:
    # An LMS administrator hears the same 403 for another platform's id as for one that does not
    # exist, so ids cannot be probed; the installation's admins see everything, so a 404.
    not_yours, missing = _NOT_FOUND[what]
    if not current_admin().is_installation_admin:
        raise AccessDenied("ADMIN_OTHER_PLATFORM", not_yours, 403)
    abort(404, missing)


def _platform_or_404(platform_id: int) -> Platform:
    platform = get_platform(platform_id, current_admin())
    if platform is None:
        _not_found("registration")
    return platform


@bp.route("/")
@admin_required()
def index() -> str:
    actor = current_admin()
    return render_template(
        "admin/index.html", actor=actor, platforms=list_platforms(actor), action=ActionForm()
    )


@bp.route("/platforms/new", methods=["GET", "POST"])
@admin_required(installation=True)
def platform_new() -> str | Response | tuple[str, int]:
    form = PlatformForm()
    preset = request.args.get("preset", "")
    if request.method == "GET":
        _apply_preset(form, preset)
    elif "default_language" not in request.form:
        form.default_language.data = ""  # a form without the field: the browser's
    if form.validate_on_submit():
        try:
            platform = add_platform(
                _fields(form), _deployment_ids(form.deployment_ids.data), current_admin()
            )
        except RegistrationError as exc:
            form.issuer.errors = [str(exc)]
        else:
            return _back(
                "admin.platform_detail",
                notice=_with_warnings(_("Registered %(name)s.", name=platform.name), platform),
                platform_id=platform.id,
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/platform_form.html", form=form, platform=None, moodle=MoodlePresetForm()
    ), status


def _with_warnings(notice: str, platform: Platform) -> str:
    warnings = address_warnings(platform)
    if not warnings:
        return notice
    return _(
        "%(notice)s Production would refuse this: %(warnings)s",
        notice=notice,
        warnings="; ".join(warnings),
    )


def _apply_preset(form: PlatformForm, preset: str) -> None:
    chosen = None
    if preset in CANVAS_CLOUD:
        chosen = CANVAS_CLOUD[preset]
        form.name.data = form.name.data or "Canvas"
    elif preset == "moodle":
        try:
            chosen = moodle_preset(request.args.get("site_url", ""))
        except ValueError as exc:
            form.issuer.errors = [str(exc)]
        form.name.data = form.name.data or "Moodle"
    if chosen is not None:
        form.issuer.data = chosen.issuer
        form.auth_login_url.data = chosen.auth_login_url
        form.auth_token_url.data = chosen.auth_token_url
        form.key_set_url.data = chosen.key_set_url
        form.product_family.data = chosen.product_family


def _deployment_ids(raw: str | None) -> list[str]:
    return [d.strip() for d in (raw or "").split(",") if d.strip()]


def _fields(form: PlatformForm) -> PlatformFields:
    return PlatformFields(
        issuer=form.issuer.data or "",
        client_id=form.client_id.data or "",
        auth_login_url=form.auth_login_url.data or "",
        auth_token_url=form.auth_token_url.data or "",
        key_set_url=form.key_set_url.data or "",
        name=form.name.data or None,
        auth_audience=form.auth_audience.data or None,
        product_family=form.product_family.data or None,
        deployment_policy=form.deployment_policy.data or "hold",
        default_language=form.default_language.data or None,
    )


@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@admin_required()
def platform_detail(platform_id: int) -> str | Response | tuple[str, int]:
    platform = _platform_or_404(platform_id)
    actor = current_admin()
    form = PlatformForm(obj=platform)
    if request.method == "GET":
        form.deployment_ids.data = ""
    if request.method == "GET" or "default_language" not in request.form:
        # Stored None is the browser's (""); a form without the field keeps the stored one.
        form.default_language.data = platform.default_language or ""
    if not actor.is_installation_admin:
        # An LMS administrator's form shows the trust fields read-only (not submitted); what
        # is submitted for them anyway goes to the service, which refuses a change.
        for name in TRUST_FIELDS:
            if name not in request.form:
                getattr(form, name).data = getattr(platform, name)
    if form.validate_on_submit():
        try:
            update_platform(platform, _fields(form), actor)
        except NotPermitted as exc:
            raise AccessDenied("ADMIN_TRUST_FIELDS", str(exc).capitalize() + ".", 403) from exc
        except RegistrationError as exc:
            form.issuer.errors = [str(exc)]
        else:
            return _back(
                "admin.platform_detail",
                notice=_with_warnings(_("Saved."), platform),
                platform_id=platform.id,
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/platform.html",
        platform=platform,
        form=form,
        deployment_form=DeploymentForm(),
        action=ActionForm(),
        actor=current_admin(),
    ), status


@bp.route("/platforms/<int:platform_id>/status", methods=["POST"])
@admin_required()
def platform_status(platform_id: int) -> Response:
    platform = _platform_or_404(platform_id)
    if not ActionForm().validate_on_submit():
        abort(400, _l("This form could not be verified."))
    wanted = request.form.get("status")
    if wanted not in {PlatformStatus.ACTIVE, PlatformStatus.DISABLED}:
        abort(400, _l("Unknown status."))
    try:
        set_platform_status(platform, PlatformStatus(wanted), current_admin())
    except NotPermitted as exc:
        raise AccessDenied("ADMIN_TRUST_FIELDS", str(exc).capitalize() + ".", 403) from exc
    return _back(
        "admin.platform_detail",
        notice=_("%(name)s is now %(status)s.", name=platform.name, status=PLATFORM_STATUS[wanted]),
        platform_id=platform.id,
    )


@bp.route("/platforms/<int:platform_id>/delete", methods=["GET", "POST"])
@admin_required(installation=True)
def platform_delete(platform_id: int) -> str | Response | tuple[str, int]:
    platform = _platform_or_404(platform_id)
    form = ConfirmDeleteForm()
    if form.validate_on_submit():
        name = platform.name
        try:
            remove_platform(platform, current_admin(), confirm_name=form.confirm_name.data or "")
        except RegistrationError as exc:
            form.confirm_name.errors = [str(exc)]
        else:
            return _back("admin.index", notice=_("Deleted %(name)s.", name=name))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/platform_delete.html", platform=platform, form=form), status


@bp.route("/platforms/<int:platform_id>/deployments", methods=["POST"])
@admin_required()
def deployment_add(platform_id: int) -> Response | tuple[str, int]:
    platform = _platform_or_404(platform_id)
    form = DeploymentForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, _l("This form could not be verified."))
        return _back(
            "admin.platform_detail",
            error=_("Enter a deployment id of at most 255 characters."),
            platform_id=platform.id,
        )
    try:
        deployment = add_deployment(platform, form.deployment_id.data or "", current_admin())
    except RegistrationError as exc:
        return _back("admin.platform_detail", error=str(exc), platform_id=platform.id)
    return _back(
        "admin.platform_detail",
        notice=_(
            "Deployment %(id)s is %(status)s.",
            id=deployment.deployment_id,
            status=DEPLOYMENT_STATUS[str(deployment.status)],
        ),
        platform_id=platform.id,
    )


@bp.route("/deployments/<int:deployment_id>/status", methods=["POST"])
@admin_required()
def deployment_status(deployment_id: int) -> Response:
    deployment = get_deployment(deployment_id, current_admin())
    if deployment is None:
        _not_found("deployment")
    if not ActionForm().validate_on_submit():
        abort(400, _l("This form could not be verified."))
    wanted = request.form.get("status")
    if wanted not in {DeploymentStatus.ACTIVE, DeploymentStatus.INACTIVE}:
        abort(400, _l("Unknown status."))
    set_deployment_status(deployment, DeploymentStatus(wanted), current_admin())
    return _back(
        "admin.platform_detail",
        notice=_(
            "Deployment %(id)s is %(status)s.",
            id=deployment.deployment_id,
            status=DEPLOYMENT_STATUS[wanted],
        ),
        platform_id=deployment.platform_id,
    )


@bp.route("/keys")
@admin_required(installation=True)
def keys() -> str:
    settings = _settings()
    rows = admin_keys.key_rows(
        settings.LTI_KEYS_DIR, timedelta(hours=settings.KEY_ROTATION_GRACE_HOURS)
    )
    return render_template(
        "admin/keys.html",
        rows=rows,
        grace=settings.KEY_ROTATION_GRACE_HOURS,
        action=ActionForm(),
        retire=RetireKeyForm(),
    )


@bp.route("/keys/rotate", methods=["POST"])
@admin_required(installation=True)
def keys_rotate() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400, _l("This form could not be verified."))
    key = admin_keys.rotate_keys(_settings().LTI_KEYS_DIR, current_admin())
    return _back(
        "admin.keys",
        notice=_(
            "New current key %(kid)s. The previous key stays published for the grace period.",
            kid=key.kid,
        ),
    )


@bp.route("/keys/retire", methods=["POST"])
@admin_required(installation=True)
def keys_retire() -> Response:
    form = RetireKeyForm()
    if not form.validate_on_submit():
        abort(400, _l("This form could not be verified."))
    try:
        admin_keys.retire_key(form.kid.data or "", current_admin())
    except (LookupError, ValueError) as exc:
        return _back("admin.keys", error=str(exc))
    return _back(
        "admin.keys", notice=_("Retired %(kid)s: it is no longer published.", kid=form.kid.data)
    )


@bp.route("/health")
@admin_required()
def health() -> str:
    actor = current_admin()
    settings = _settings()
    checks = run_checks(
        settings.LTI_KEYS_DIR, list_platforms(actor), timeout=settings.HTTP_TIMEOUT_SECONDS
    )
    return render_template(
        "admin/health.html", checks=checks, jobs=job_rows(), figures=health_figures()
    )


@bp.route("/audit")
@admin_required()
def audit() -> str:
    actor = current_admin()
    wanted = _audit_filter(request.args)
    shown = audit_page(actor.platform_id, wanted)
    return render_template(
        "admin/audit.html",
        events=shown.events,
        shown=shown,
        wanted=wanted,
        kinds=AUDIT_KINDS,
        platforms=list_platforms(actor) if actor.is_installation_admin else [],
        actor=actor,
    )


def _audit_filter(args: Any) -> AuditFilter:
    """The audit log's filters from the query string; anything unreadable is ignored."""

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            return None

    def whole(name: str) -> int | None:
        value = args.get(name, "")
        return int(value) if value.isdigit() else None

    kind = args.get("kind", "console")
    return AuditFilter(
        kind=kind if kind in AUDIT_KINDS else "console",
        platform_id=whole("platform"),
        since=day("since"),
        until=day("until"),
        page=whole("page") or 1,
    )


@bp.route("/setup")
@bp.route("/setup/<kind>")
@admin_required()
def setup(kind: str = "") -> str:
    if kind not in {"", "canvas", "moodle", "other"}:
        abort(404, _l("No such set-up page."))
    return render_template(
        "admin/setup.html",
        kind=kind,
        urls=ToolUrls(_settings().LTI_TOOL_BASE_URL),
        moodle=MoodlePresetForm(meta={"csrf": False}),
        canvas_presets=CANVAS_CLOUD,
        actor=current_admin(),
        config_mode=_settings().DYNAMIC_REGISTRATION,
    )


@bp.route("/invites", methods=["POST"])
@admin_required(installation=True)
def invite() -> str:
    if not ActionForm().validate_on_submit():
        abort(400, _l("This form could not be verified."))
    settings = _settings()
    note = (request.form.get("note") or "").strip()[:200]
    token = create_invite(current_admin(), settings.SECRET_KEY, note)
    url = f"{ToolUrls(settings.LTI_TOOL_BASE_URL).register}?{urlencode({'invite': token})}"
    return render_template(
        "admin/invite.html",
        url=url,
        hours=settings.REGISTRATION_INVITE_TTL_HOURS,
        actor=current_admin(),
    )


@bp.route("/grades")
@admin_required()
def grades() -> str:
    """Grade delivery: the outbox per platform, and the scores that need attention."""
    actor = current_admin()
    return render_template(
        "admin/grades.html",
        actor=actor,
        queues=queue_summary(actor.platform_id),
        stuck=stuck_scores(actor.platform_id),
        action=ActionForm(),
    )


@bp.route("/grades/retry", methods=["POST"])
@admin_required()
def grades_retry() -> Response:
    actor = current_admin()
    wanted = request.form.get("platform_id", "")
    platform_id = actor.platform_id
    if wanted.isdigit():
        platform_id = _platform_or_404(int(wanted)).id
    count = retry_failed(platform_id)
    record(actor, "grades.retried", "platform", platform_id, platform_id=platform_id, scores=count)
    db.session.commit()
    kick()
    return _back(
        "admin.grades",
        notice=ngettext(
            "%(num)d score queued again for delivery.",
            "%(num)d scores queued again for delivery.",
            count,
        ),
    )
