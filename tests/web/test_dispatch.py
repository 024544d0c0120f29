"""The launch dispatch: one handler per message type the launch accepts."""

from __future__ import annotations

from lti_tool.lti import claims
from lti_tool.web.dispatch import HANDLERS, deep_linking, resource_link, submission_review


def test_every_supported_message_type_has_its_own_handler() -> None:
    assert set(HANDLERS) == set(claims.SUPPORTED_MESSAGE_TYPES)
    assert HANDLERS[claims.RESOURCE_LINK_REQUEST] is resource_link
    assert HANDLERS[claims.DEEP_LINKING_REQUEST] is deep_linking
    assert HANDLERS[claims.SUBMISSION_REVIEW_REQUEST] is submission_review
