"""Text the tool sends to an LMS: score comments as plain text, submission bodies as sanitised
HTML. Peers write the words; the LMS shows them to graders inside its own pages, so markup from
a review (`<img src=x onerror=…>`) must not arrive there as markup (issue 11, item 8).

nh3 (Ammonia's sanitiser) does the HTML work: a well-kept parser, not a regular expression.
"""

from __future__ import annotations

import html

import nh3

from lti_tool.models import Activity
from lti_tool.reminders.language import platform_language, speaking

__all__ = ["lms_language", "plain_text", "platform_language", "speaking", "submission_html"]

# A text-entry submission keeps its line breaks; nothing else of HTML is needed.
SUBMISSION_TAGS = {"br"}


def plain_text(text: str) -> str:
    """The text without any tag, entities decoded, so an LMS that renders the comment as HTML
    finds nothing to run and one that shows it verbatim shows readable words. Repeated until
    stable: decoding "&lt;img&gt;" must not leave a tag behind."""
    for _ in range(5):
        cleaned = html.unescape(nh3.clean(text, tags=set(), attributes={}))
        if cleaned == text:
            return text
        text = cleaned
    return nh3.clean(text, tags=set(), attributes={})  # still nesting: leave it escaped


def submission_html(text: str) -> str:
    """Plain text as the HTML body of an online_text_entry submission: escaped, line breaks kept,
    then sanitised (so even markup that reached here sends no tag but <br>). Text with nothing
    to escape goes as it is."""
    escaped = html.escape(text.replace("\r\n", "\n"), quote=False).replace("\n", "<br>\n")
    return nh3.clean(escaped, tags=SUBMISSION_TAGS, attributes={})


def lms_language(activity: Activity) -> str:
    """The language of the comments sent to the activity's gradebook: the platform's
    (reminders.language.platform_language); the course's teacher reads them."""
    return platform_language(activity.context.platform)
