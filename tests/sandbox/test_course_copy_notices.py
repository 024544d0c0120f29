"""The sandbox LMS as a platform with course copy: a launch names its notification service, the
tool's `notices` job registers its handler there by PUT (with a real access token from the
sandbox), copying the course sends a signed LtiContextCopyNotice to the tool's /lti/notices over
HTTP, the job processes it once, and the copied link's launches carry the history variables."""

from __future__ import annotations

from sqlalchemy import select

from lti_tool.activities.notices import process_notices, register_handlers
from lti_tool.extensions import db
from lti_tool.jobs.registry import get
from lti_tool.models import ContextOrigin, LinkHistory, NoticeHandler, ReceivedNotice
from lti_tool.sandbox.store import SandboxSetting
from lti_tool.sandbox.terms import HANDLERS, copy_course, course_of_link


def test_copy_notice_travels_from_the_sandbox_to_the_tool_and_history_reaches_launches(live):
    client = live.client()
    assert live.launch(client, "instructor-1").status_code == 303
    settings = live.settings
    assert get("notices") is not None  # registered by the activities package
    with live.app.app_context():
        handler = db.session.scalars(select(NoticeHandler)).one()
        assert handler.service_url.endswith("/sandbox/api/notice-handlers")
        assert (
            register_handlers(
                tool_base_url=settings.LTI_TOOL_BASE_URL,
                keys_dir=settings.LTI_KEYS_DIR,
                timeout=5,
            )
            == 1
        )
        registered = db.session.get(SandboxSetting, HANDLERS)
        assert registered is not None
        assert list(registered.value.values()) == [settings.LTI_TOOL_BASE_URL + "/lti/notices"]
        new = copy_course(settings, by="instructor-1")  # sends the notice over HTTP, once
        db.session.remove()
    with live.app.app_context():
        notice = db.session.scalars(select(ReceivedNotice)).one()
        assert notice.notice_type == "LtiContextCopyNotice" and notice.processed_at is None
        assert process_notices() == 1
        origin = db.session.scalars(select(ContextOrigin)).one()
        assert (origin.context_id, origin.origin_context_id) == (new["id"], "sandbox-course-101")
        assert course_of_link("sandbox-link-1~t2")["id"] == new["id"]
    # The copied link's first launch carries $Context.id.history and $ResourceLink.id.history.
    launched = live.launch(client, "instructor-1", link_id="sandbox-link-1~t2")
    assert launched.status_code == 303 and "/activities/setup" in launched.headers["Location"]
    with live.app.app_context():
        history = db.session.scalars(select(LinkHistory)).one()
        assert history.context_history == ["sandbox-course-101"]
        assert history.link_history == ["sandbox-link-1"]
