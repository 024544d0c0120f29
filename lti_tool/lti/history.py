"""Course copy history as platforms send it in a launch.

Where each platform puts it (looked up, not guessed):
- The tool asks for the LTI variables `$Context.id.history` and `$ResourceLink.id.history` as
  custom parameters (LTI 1.3 core 5.4.6 custom properties; the implementation guide's "context
  history"). Canvas documents `Context.id.history` as "a comma-separated list of the context ids
  of the courses in reverse chronological order from which content has been copied", at most
  1000 and then a final "truncated" (canvas-lms doc/api/tools_variable_substitutions.md,
  lib/lti/substitutions_helper.rb `recursively_fetch_previous_lti_context_ids`, which may also
  answer "timed out"). The stored copy of that Canvas page does not list
  `$ResourceLink.id.history` among its ResourceLink variables (it lists id, title, description
  and the availability dates); it is asked for anyway: a platform that does not know a variable
  sends it back unsubstituted, which is ignored, and a copied link is then matched by its course
  (or by the `activity_id` a deep-linked link carries).
- Moodle substitutes only `$Context.id.history`: its course ids, "immediate parent 1st"
  (moodle mod/lti/locallib.php `get_course_history`, from `originalcourseid`).
- Blackboard Learn substitutes the LTI specification's variables in custom parameters
  (docs.anthology.com, Blackboard LTI 1.3 "Custom properties and parameter substitution"), so
  it answers the same custom parameters as Canvas.
- Brightspace sends both in its own claim `http://www.brightspace.com`, keys
  `Context.id.history` and `ResourceLink.id.history` (as launches of D2L show them).
A platform that does not know a variable sends it back unsubstituted ("$Context.id.history").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from lti_tool.lti import claims

CONTEXT_HISTORY_PARAM: Final = "context_id_history"
LINK_HISTORY_PARAM: Final = "resource_link_id_history"
# Asked for at registration (dynamic registration `custom_parameters`, Canvas `custom_fields`,
# the Moodle set-up page's "Custom parameters").
HISTORY_CUSTOM_PARAMETERS: Final = {
    CONTEXT_HISTORY_PARAM: "$Context.id.history",
    LINK_HISTORY_PARAM: "$ResourceLink.id.history",
}
BRIGHTSPACE_CLAIM: Final = "http://www.brightspace.com"
# Not ids: Canvas's markers after a long or slow history.
_MARKERS: Final = frozenset({"truncated", "timed out"})
MAX_IDS: Final = 1000
MAX_ID_LENGTH: Final = 255


@dataclass(frozen=True)
class History:
    """Source ids, most recent first (the course or link this one was copied from comes first)."""

    contexts: tuple[str, ...] = ()
    links: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.contexts or self.links)


def parse_ids(value: Any) -> tuple[str, ...]:
    """The ids of one history value: comma-separated, blanks, markers and an unsubstituted
    variable dropped, duplicates kept once (first place wins), at most MAX_IDS."""
    if not isinstance(value, str) or value.strip().startswith("$"):
        return ()
    out: list[str] = []
    for part in value.split(","):
        item = part.strip()
        if not item or item in _MARKERS or len(item) > MAX_ID_LENGTH or item in out:
            continue
        out.append(item)
        if len(out) >= MAX_IDS:
            break
    return tuple(out)


def history_of(body: Mapping[str, Any]) -> History:
    """The copy history a verified launch carries, wherever its platform put it."""
    custom = body.get(claims.CUSTOM)
    custom = custom if isinstance(custom, Mapping) else {}
    brightspace = body.get(BRIGHTSPACE_CLAIM)
    brightspace = brightspace if isinstance(brightspace, Mapping) else {}
    contexts = parse_ids(custom.get(CONTEXT_HISTORY_PARAM)) or parse_ids(
        brightspace.get("Context.id.history")
    )
    links = parse_ids(custom.get(LINK_HISTORY_PARAM)) or parse_ids(
        brightspace.get("ResourceLink.id.history")
    )
    own_context = body.get(claims.CONTEXT)
    own = own_context.get("id") if isinstance(own_context, Mapping) else None
    # A course is never its own source (a platform that lists the course itself).
    return History(contexts=tuple(c for c in contexts if c != own), links=links)
