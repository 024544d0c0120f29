"""The sandbox's mail view: the reminder e-mail the tool sent (or tried to), as stored with each
send (lti_tool.models.MailSent), newest first. In development point SMTP_HOST at any local sink
(e.g. `python -m aiosmtpd -n -l localhost:8025`, SMTP_TLS=none); this page reads what the tool
recorded, so it works with any sink."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from lti_tool.extensions import db
from lti_tool.models import MailSent, RefusedAddress
from lti_tool.sandbox import bp


@bp.route("/mail")
def mail() -> str:
    sent = list(db.session.scalars(select(MailSent).order_by(MailSent.id.desc()).limit(200)))
    refused = list(db.session.scalars(select(RefusedAddress).order_by(RefusedAddress.id)))
    return render_template("sandbox/mail.html", sent=sent, refused=refused)
