"""Admin console views: thin; the rules are in admin/platforms.py, keys.py, accounts.py."""

from __future__ import annotations

from datetime import timedelta
from typing import NoReturn
from urllib.parse import urlencode

from flask import abort, current_app, redirect, render_template, request, session, url_for
from itsdangerous import Signer
from werkzeug.wrappers import Response

from lti_tool.admin import bp
from lti_tool.admin import keys as admin_keys
from lti_tool.admin.access import SESSION_KEY, admin_required, current_admin
from lti_tool.admin.accounts import (
    AccountError,
    change_password,
    end_session,
    sign_in,
    start_session,
)
from lti_tool.admin.audit import recent_events, record
from lti_tool.admin.forms import (
    ActionForm,
    ConfirmDeleteForm,
    DeploymentForm,
    LoginForm,
    MoodlePresetForm,
    PasswordForm,
    PlatformForm,
    RetireKeyForm,
)
from lti_tool.admin.health import run_checks
from lti_tool.admin.onboarding import create_invite
from lti_tool.admin.platforms import (
    TRUST_FIELDS,
    NotPermitted,
    PlatformFields,
    RegistrationError,
    add_deployment,
    add_platform,
    get_deployment,
    get_platform,
    list_platforms,
    remove_platform,
    set_deployment_status,
    set_platform_status,
    update_platform,
)
from lti_tool.admin.presets import CANVAS_CLOUD, ToolUrls, moodle_preset
from lti_tool.auth.current import AccessDenied
from lti_tool.extensions import db
from lti_tool.grading import kick, queue_summary, retry_failed, stuck_scores
from lti_tool.models import ActorKind, AdminUser, DeploymentStatus, Platform, PlatformStatus
from lti_tool.settings import Settings
from lti_tool.templating import launch_url


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


NOTICE_SALT = "coproduce.admin.notice"


def _message_signer() -> Signer:
    return Signer(_settings().SECRET_KEY, salt=NOTICE_SALT)


def _back(
    endpoint: str, notice: str | None = None, error: str | None = None, **values: object
) -> Response:
    """Redirect after a change, with its outcome in the URL: a launch session has no cookie in
    which a flashed message could survive the redirect. Each message carries a signature, so only
    what the console itself said is shown: a link with ?notice=… made by someone else shows
    nothing (issue 11, item 12)."""
    for kind, text in (("notice", notice), ("error", error)):
        if text:
            values[kind] = text
            values[f"{kind}_sig"] = _message_signer().get_signature(f"{kind}:{text}").decode()
    return redirect(launch_url(endpoint, **values), code=303)


@bp.app_context_processor
def _console_messages() -> dict[str, object]:
    def console_message(kind: str) -> str | None:
        text, sig = request.args.get(kind), request.args.get(f"{kind}_sig", "")
        if not text or not sig or request.blueprint != "admin":
            return None
        if not _message_signer().verify_signature(f"{kind}:{text}", sig):
            return None
        return text

    return {"console_message": console_message}


def _not_found(what: str) -> NoReturn:
    # An LMS administrator hears the same 403 for another platform's id as for one that does not
    # exist, so ids cannot be probed; the installation's admins see everything, so a 404.
    if not current_admin().is_installation_admin:
        raise AccessDenied("ADMIN_OTHER_PLATFORM", f"This is not your platform's {what}.", 403)
    abort(404, f"No such {what}.")


def _platform_or_404(platform_id: int) -> Platform:
    platform = get_platform(platform_id, current_admin())
    if platform is None:
        _not_found("registration")
    return platform


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    form = LoginForm()
    if form.validate_on_submit():
        outcome = sign_in(form.username.data or "", form.password.data or "", request.remote_addr)
        if outcome.user is not None:
            session.clear()
            session[SESSION_KEY] = start_session(outcome.user)
            return redirect(url_for("admin.index"), code=303)
        # Never the username in the log: people type their password into it.
        current_app.logger.warning(
            "admin sign-in refused from %s%s",
            request.remote_addr,
            " (locked)" if outcome.locked else "",
        )
        if outcome.locked is not None:
            form.password.errors = [
                f"Too many failed sign-ins. Try again in {_minutes(outcome.locked.retry_after)}."
            ]
            page = render_template("admin/login.html", form=form)
            return page, 429, {"Retry-After": str(outcome.locked.retry_after)}
        form.password.errors = ["Wrong username or password."]
        return render_template("admin/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status


def _minutes(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400, "This form could not be verified.")
    end_session(session.get(SESSION_KEY))
    session.clear()
    return redirect(url_for("admin.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@admin_required(installation=True)
def password() -> str | Response | tuple[str, int]:
    """A console account changes its password; every session of the account ends, and this
    browser gets a new one."""
    actor = current_admin()
    user = db.session.get(AdminUser, actor.id) if actor.kind == ActorKind.ADMIN_USER else None
    if user is None:
        abort(404, "Only console accounts have a password here.")
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.current.data or "", form.new.data or "", actor)
        except AccountError as exc:
            form.new.errors = [str(exc).capitalize() + "."]
        else:
            session.clear()
            session[SESSION_KEY] = start_session(user)
            return _back("admin.index", notice="Password changed; other sessions are signed out.")
    status = 400 if request.method == "POST" else 200
    return render_template("admin/password.html", form=form), status


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
                notice=f"Registered {platform.name}.",
                platform_id=platform.id,
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/platform_form.html", form=form, platform=None, moodle=MoodlePresetForm()
    ), status


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
    )


@bp.route("/platforms/<int:platform_id>", methods=["GET", "POST"])
@admin_required()
def platform_detail(platform_id: int) -> str | Response | tuple[str, int]:
    platform = _platform_or_404(platform_id)
    actor = current_admin()
    form = PlatformForm(obj=platform)
    if request.method == "GET":
        form.deployment_ids.data = ""
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
            return _back("admin.platform_detail", notice="Saved.", platform_id=platform.id)
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
        abort(400, "This form could not be verified.")
    wanted = request.form.get("status")
    if wanted not in {PlatformStatus.ACTIVE, PlatformStatus.DISABLED}:
        abort(400, "Unknown status.")
    try:
        set_platform_status(platform, PlatformStatus(wanted), current_admin())
    except NotPermitted as exc:
        raise AccessDenied("ADMIN_TRUST_FIELDS", str(exc).capitalize() + ".", 403) from exc
    return _back(
        "admin.platform_detail", notice=f"{platform.name} is now {wanted}.", platform_id=platform.id
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
            return _back("admin.index", notice=f"Deleted {name}.")
    status = 400 if request.method == "POST" else 200
    return render_template("admin/platform_delete.html", platform=platform, form=form), status


@bp.route("/platforms/<int:platform_id>/deployments", methods=["POST"])
@admin_required()
def deployment_add(platform_id: int) -> Response | tuple[str, int]:
    platform = _platform_or_404(platform_id)
    form = DeploymentForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, "This form could not be verified.")
        return _back(
            "admin.platform_detail",
            error="Enter a deployment id of at most 255 characters.",
            platform_id=platform.id,
        )
    try:
        deployment = add_deployment(platform, form.deployment_id.data or "", current_admin())
    except RegistrationError as exc:
        return _back("admin.platform_detail", error=str(exc), platform_id=platform.id)
    return _back(
        "admin.platform_detail",
        notice=f"Deployment {deployment.deployment_id} is {deployment.status}.",
        platform_id=platform.id,
    )


@bp.route("/deployments/<int:deployment_id>/status", methods=["POST"])
@admin_required()
def deployment_status(deployment_id: int) -> Response:
    deployment = get_deployment(deployment_id, current_admin())
    if deployment is None:
        _not_found("deployment")
    if not ActionForm().validate_on_submit():
        abort(400, "This form could not be verified.")
    wanted = request.form.get("status")
    if wanted not in {DeploymentStatus.ACTIVE, DeploymentStatus.INACTIVE}:
        abort(400, "Unknown status.")
    set_deployment_status(deployment, DeploymentStatus(wanted), current_admin())
    return _back(
        "admin.platform_detail",
        notice=f"Deployment {deployment.deployment_id} is {wanted}.",
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
        abort(400, "This form could not be verified.")
    key = admin_keys.rotate_keys(_settings().LTI_KEYS_DIR, current_admin())
    return _back(
        "admin.keys",
        notice=f"New current key {key.kid}. The previous key stays published for the grace period.",
    )


@bp.route("/keys/retire", methods=["POST"])
@admin_required(installation=True)
def keys_retire() -> Response:
    form = RetireKeyForm()
    if not form.validate_on_submit():
        abort(400, "This form could not be verified.")
    try:
        admin_keys.retire_key(form.kid.data or "", current_admin())
    except (LookupError, ValueError) as exc:
        return _back("admin.keys", error=str(exc))
    return _back("admin.keys", notice=f"Retired {form.kid.data}: it is no longer published.")


@bp.route("/health")
@admin_required()
def health() -> str:
    actor = current_admin()
    settings = _settings()
    checks = run_checks(
        settings.LTI_KEYS_DIR, list_platforms(actor), timeout=settings.HTTP_TIMEOUT_SECONDS
    )
    return render_template("admin/health.html", checks=checks)


@bp.route("/audit")
@admin_required()
def audit() -> str:
    actor = current_admin()
    return render_template("admin/audit.html", events=recent_events(actor.platform_id))


@bp.route("/setup")
@bp.route("/setup/<kind>")
@admin_required()
def setup(kind: str = "") -> str:
    if kind not in {"", "canvas", "moodle", "other"}:
        abort(404, "No such set-up page.")
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
        abort(400, "This form could not be verified.")
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
    return _back("admin.grades", notice=f"{count} score(s) queued again for delivery.")
