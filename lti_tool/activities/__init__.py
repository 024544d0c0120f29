"""Activities: the kind contract and its registry (kinds.py: each kind's package, goals/,
rubrics/, feedback/, exports an ActivityKind), placing activities in a course (deep linking
picker, first-launch set-up), their configuration, and students' artifacts.

    kinds.kinds() / kind_of(key)          the registry create_app filled
    services.create_activity / update_activity / activity_in_course / has_data
    placement.record_link_launch / answer_deep_link / set_up_link
"""

from flask import Blueprint

bp = Blueprint("activities", __name__)


@bp.app_template_global("form_key")
def _form_key() -> object:
    from lti_tool.activities.idempotency import form_key_field

    return form_key_field()


# Each registers its routes on bp (notices: the "notices" job).
from lti_tool.activities import (  # noqa: E402,F401
    copy_views,
    extension_views,
    lms_groups,
    notices,
    views,
)

lms_groups.register()  # LMS groups and sections as extension targets, for every kind
