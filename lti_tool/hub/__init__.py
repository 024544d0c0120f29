"""The course hub: a course's Coproduce activities, what waits for its staff, and coproduction
analytics across the activities (services.py computes, views.py serves, charts.py draws).

Reached from Canvas's course navigation (a launch whose custom `coproduce_target` or target
link URI names the hub: web.dispatch) and from a "Course hub" link on staff's pages."""

from flask import Blueprint

bp = Blueprint("hub", __name__)

from lti_tool.hub import views  # noqa: E402,F401
