"""Console sign-in, sign-out and password change: thin; the rules are in admin/accounts.py and
admin/throttle.py."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response

from lti_tool.admin import bp
from lti_tool.admin.access import SESSION_KEY, admin_required, current_admin
from lti_tool.admin.accounts import (
    AccountError,
    change_password,
    end_session,
    sign_in,
    start_session,
)
from lti_tool.admin.forms import ActionForm, LoginForm, PasswordForm
from lti_tool.admin.messages import back
from lti_tool.extensions import db
from lti_tool.models import ActorKind, AdminUser


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
            form.password.errors = [_minutes(outcome.locked.retry_after)]
            page = render_template("admin/login.html", form=form)
            return page, 429, {"Retry-After": str(outcome.locked.retry_after)}
        form.password.errors = [_("Wrong username or password.")]
        return render_template("admin/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("admin/login.html", form=form), status


def _minutes(seconds: int) -> str:
    """The refusal of a locked sign-in, with how long to wait."""
    if seconds < 90:
        return ngettext(
            "Too many failed sign-ins. Try again in %(num)d second.",
            "Too many failed sign-ins. Try again in %(num)d seconds.",
            seconds,
        )
    return ngettext(
        "Too many failed sign-ins. Try again in %(num)d minute.",
        "Too many failed sign-ins. Try again in %(num)d minutes.",
        round(seconds / 60),
    )


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400, _l("This form could not be verified."))
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
        abort(404, _l("Only console accounts have a password here."))
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(user, form.current.data or "", form.new.data or "", actor)
        except AccountError as exc:
            form.new.errors = [str(exc).capitalize() + "."]
        else:
            session.clear()
            session[SESSION_KEY] = start_session(user)
            return back("admin.index", notice=_("Password changed; other sessions are signed out."))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/password.html", form=form), status
