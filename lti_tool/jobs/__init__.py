"""Scheduled jobs: a registry of jobs (name, schedule, function), a `scheduled_job` row per job,
and a runner that claims each due run once across any number of workers.

    registry.Job / register / every / daily_at    declare or replace a job
    phases.register_phase_clock                   a kind's dated phases, applied by the clock
    runner.run_due_jobs / seconds_until_next_job  what `flask worker` calls each round
    runner.Heartbeat                              the worker's row /readyz reads
"""

from lti_tool.jobs.registry import Job, JobContext, daily_at, every, register, registered

__all__ = ["Job", "JobContext", "daily_at", "every", "register", "registered"]
