"""The course roster from the platform (NRPS): who is in the course, whether or not they have
opened Coproduce yet."""

from lti_tool.roster.sync import RosterError, SyncReport, sync_roster

__all__ = ["RosterError", "SyncReport", "sync_roster"]
