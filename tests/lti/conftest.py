from tests.advantage import live, live_factory  # noqa: F401  (fixtures)
