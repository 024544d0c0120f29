"""The console's Privacy pages: the data inventory, a person's export and erasure, and the
platforms' retention rules. Thin: the rules are in lti_tool/privacy/. An LMS administrator acts
on their own platform only; the installation's admins on every platform."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from werkzeug.wrappers import Response

from lti_tool.admin import bp
from lti_tool.admin.access import admin_required, current_admin
from lti_tool.admin.messages import back
from lti_tool.admin.platforms import get_platform, list_platforms
from lti_tool.auth.current import AccessDenied
from lti_tool.extensions import db
from lti_tool.models import Platform, utcnow
from lti_tool.privacy import retention
from lti_tool.privacy.document import inventory_rows
from lti_tool.privacy.erasure import LMS_NOTE, Erasure, erase_person
from lti_tool.privacy.export import export_person, find_person
from lti_tool.privacy.inventory import CLAIMS, KEPT, TABLES


def _platform(raw: object) -> Platform:
    """The platform named by a form or URL, if this admin may act on it (ids never trusted)."""
    actor = current_admin()
    text = str(raw or "")
    platform = get_platform(int(text), actor) if text.isdigit() and len(text) < 12 else None
    if platform is None:
        if not actor.is_installation_admin:
            raise AccessDenied("ADMIN_OTHER_PLATFORM", _l("This is not your platform."), 403)
        abort(404, _l("No such registration."))
    return platform


def _erasure_notice(result: Erasure) -> str:
    """What the erasure did, for the admin who asked (the CLI prints `result.summary`)."""
    if not result.found:
        return _("Nobody is held under that platform and sub (already erased, or never here).")
    deleted = ", ".join(f"{name} {n}" for name, n in result.deleted.items() if n)
    return _(
        "Erased. Deleted rows: %(deleted)s. Uploaded files deleted: %(files)d. Values "
        "pseudonymised: %(values)d. Pending grade deliveries cancelled: %(cancelled)d. Scores "
        "already in the LMS, left to it: %(delivered)d. %(note)s",
        deleted=deleted or _("none"),
        files=result.files,
        values=result.pseudonymised,
        cancelled=result.cancelled_scores,
        delivered=result.delivered_scores,
        note=_(LMS_NOTE),
    )


def _sub() -> str:
    sub = (request.values.get("sub") or "").strip()
    if not sub or len(sub) > 255:
        abort(400, _l("Give the person's LMS user id (sub), at most 255 characters."))
    return sub


@bp.route("/privacy")
@admin_required()
def privacy() -> str:
    actor = current_admin()
    return render_template(
        "admin/privacy.html",
        actor=actor,
        platforms=list_platforms(actor),
        rows=inventory_rows(),
        plain=[t for t in TABLES if not t.personal],
        claims=CLAIMS,
        kept=KEPT,
    )


@bp.route("/privacy/export", methods=["POST"])
@admin_required()
def privacy_export() -> Response:
    platform = _platform(request.form.get("platform_id"))
    person = find_person(platform.id, _sub())
    if person is None:
        return back("admin.privacy", error=_("Nobody with that sub on that platform."))
    result = export_person(person, current_admin())
    db.session.commit()
    response = Response(result.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/privacy/erase", methods=["POST"])
@admin_required()
def privacy_erase() -> str | Response | tuple[str, int]:
    """Without `confirm`: the confirmation page (what will go, what stays, the LMS's part).
    With the sub typed again in `confirm`: the erasure. A POST both times, so the form works
    inside a launch (its token rides in the form, never the URL)."""
    platform = _platform(request.form.get("platform_id"))
    sub = _sub()
    person = find_person(platform.id, sub)
    error = None
    if "confirm" in request.form:
        if (request.form.get("confirm") or "").strip() != sub:
            error = _("Type the person's sub exactly to confirm.")
        else:
            result = erase_person(platform.id, sub, current_admin())
            return back("admin.privacy", notice=_erasure_notice(result))
    status = 400 if error else 200
    return render_template(
        "admin/privacy_erase.html",
        actor=current_admin(),
        platform=platform,
        sub=sub,
        person=person,
        note=_(LMS_NOTE),
        error=error,
    ), status


@bp.route("/privacy/retention")
@admin_required()
def privacy_retention() -> str:
    actor = current_admin()
    now = utcnow()
    rows = []
    for platform in list_platforms(actor):
        rule = retention.rule_of(platform.id)
        fates = retention.course_fates(platform.id, rule.days) if rule else []
        rows.append((platform, rule, fates))
    return render_template("admin/privacy_retention.html", actor=actor, rows=rows, now=now)


@bp.route("/privacy/retention/<int:platform_id>", methods=["POST"])
@admin_required()
def privacy_retention_set(platform_id: int) -> Response:
    platform = _platform(platform_id)
    raw = (request.form.get("days") or "").strip()
    try:
        days = None if raw == "" else int(raw)
        retention.set_rule(platform, days, current_admin())
    except ValueError:
        return back(
            "admin.privacy_retention",
            error=_("The period is a whole number of days, 1 to %(max)d.", max=retention.MAX_DAYS),
        )
    if days is None:
        return back(
            "admin.privacy_retention", notice=_("%(name)s: no retention rule.", name=platform.name)
        )
    return back(
        "admin.privacy_retention",
        notice=ngettext(
            "%(name)s: %(num)d day. Run the dry run, read its report, then arm it.",
            "%(name)s: %(num)d days. Run the dry run, read its report, then arm it.",
            days,
            name=platform.name,
        ),
    )


@bp.route("/privacy/retention/<int:platform_id>/dry-run", methods=["POST"])
@admin_required()
def privacy_retention_dry_run(platform_id: int) -> Response:
    platform = _platform(platform_id)
    rule = retention.rule_of(platform.id)
    if rule is None:
        return back("admin.privacy_retention", error=_("Set a period first."))
    if rule.armed:
        return back("admin.privacy_retention", error=_("The rule is armed: the job deletes."))
    report = retention.run_rule(rule, utcnow())
    return back(
        "admin.privacy_retention",
        notice=ngettext(
            "%(name)s: the dry run found %(num)d course to delete.",
            "%(name)s: the dry run found %(num)d courses to delete.",
            len(report["courses"]),
            name=platform.name,
        ),
    )


@bp.route("/privacy/retention/<int:platform_id>/arm", methods=["POST"])
@admin_required()
def privacy_retention_arm(platform_id: int) -> Response:
    platform = _platform(platform_id)
    rule = retention.rule_of(platform.id)
    if rule is None:
        return back("admin.privacy_retention", error=_("Set a period first."))
    try:
        retention.arm_rule(rule, current_admin())
    except ValueError as exc:
        return back("admin.privacy_retention", error=str(exc).capitalize() + ".")
    return back(
        "admin.privacy_retention",
        notice=_(
            "%(name)s: armed. The next retention run deletes expired courses.",
            name=platform.name,
        ),
    )
