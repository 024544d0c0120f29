"""Activities: placing them in a course (deep linking picker, first-launch set-up), their
configuration, and students' artifacts. The three kinds' own pages arrive with their issues;
until then an activity shows its configuration.

    services.create_activity / update_activity / activity_in_course
    placement.record_link_launch / answer_deep_link / set_up_link
"""

from flask import Blueprint

bp = Blueprint("activities", __name__)


@bp.app_template_global("form_key")
def _form_key() -> object:
    from lti_tool.activities.idempotency import form_key_field

    return form_key_field()


from lti_tool.activities import views  # noqa: E402,F401  (registers the routes on bp)
