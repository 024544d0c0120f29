"""Alembic migrations build the schema from empty and match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from lti_tool.extensions import db
from lti_tool.models import Base


def test_upgrade_from_empty_matches_models_then_downgrades(app):
    with app.app_context():
        db.drop_all()  # the fixture made tables with create_all; start from empty
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.create_all()  # leave what the fixture expects to drop
