"""Rubric co-creation (issue 6). `api` is what other activities use to read finalised rubrics."""
