"""Reminder pages: a person's preferences (inside a launch) and one-click unsubscribe (from the
mail alone: no launch, no sign-in; the signed token is the authority)."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from lti_tool.auth import current_launch, launch_required
from lti_tool.domain import DomainError
from lti_tool.extensions import csrf, db
from lti_tool.reminders import bp, preferences
from lti_tool.reminders.due import KINDS
from lti_tool.reminders.tokens import read_token
from lti_tool.settings import Settings


def _settings() -> Settings:
    return current_app.extensions["coproduce.settings"]  # type: ignore[no-any-return]


@bp.route("/mail/preferences", methods=["GET", "POST"])
@launch_required()
def mail_preferences() -> str:
    launch = current_launch()
    saved = False
    if request.method == "POST":
        off = [k for k in KINDS if request.form.get(f"kind-{k}") != "on"]
        preferences.set_preferences(
            launch.person, unsubscribed=request.form.get("all") != "on", kinds_off=off
        )
        db.session.commit()
        saved = True
    return render_template(
        "reminders/preferences.html",
        launch=launch,
        kinds=KINDS,
        pref=preferences.preference_of(launch.person.id),
        has_address=bool((launch.person.email or "").strip()),
        mail_on=bool(_settings().SMTP_HOST.strip()),
        saved=saved,
    )


# RFC 8058 §3.2: the mail client POSTs "List-Unsubscribe=One-Click" to the link with no
# cookies and no form of ours, so no CSRF token can be there; the signed token in the URL is
# what authorises it (and all it can do is stop mail to its own person).
@csrf.exempt
@bp.route("/mail/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str) -> str | tuple[str, int] | BaseResponse:
    found = read_token(_settings().SECRET_KEY, token)
    if found is None:
        raise DomainError(
            "UNSUBSCRIBE_LINK_INVALID",
            _l("This unsubscribe link is not valid (or was changed)."),
            404,
        )
    person_id, kind = found
    person = preferences.person(person_id)
    done = None
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == "One-Click"
        only_kind = not one_click and request.form.get("scope") == "kind" and kind in KINDS
        preferences.unsubscribe(person, kind if only_kind else None)
        db.session.commit()
        done = KINDS[kind] if only_kind else _l("all reminders")
    return render_template(
        "reminders/unsubscribe.html", kind=kind, label=KINDS.get(kind, kind), done=done
    )
