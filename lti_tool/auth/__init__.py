"""The launch session (signed launch token), role resolution and access decorators."""

from lti_tool.auth.current import AccessDenied, CurrentLaunch, current_launch, launch_required
from lti_tool.auth.roles import resolve_role

__all__ = ["AccessDenied", "CurrentLaunch", "current_launch", "launch_required", "resolve_role"]
