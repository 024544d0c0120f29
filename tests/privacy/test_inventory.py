"""The inventory declares every table and column, and docs/privacy.md is its output."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table

from lti_tool.extensions import db
from lti_tool.privacy.document import render_markdown
from lti_tool.privacy.inventory import TABLES, P, T, problems

DOC = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"


def test_every_table_and_column_of_the_models_is_declared(app) -> None:
    assert problems(db.metadata) == []


def test_an_undeclared_column_or_table_fails() -> None:
    metadata = MetaData()
    Table("person_notes", metadata, Column("id", Integer, primary_key=True), Column("note", String))
    inventory = (T("person_notes", "notes", "course", {"note": P("author", "a note")}, "id"),)
    assert problems(metadata, inventory) == []

    Table("secret_table", metadata, Column("id", Integer, primary_key=True))
    metadata.tables["person_notes"].append_column(Column("nickname", String))
    found = problems(metadata, inventory)
    assert "column person_notes.nickname is not declared" in found
    assert any("secret_table is not declared" in f for f in found)


def test_a_declared_column_that_is_gone_fails() -> None:
    metadata = MetaData()
    Table("t", metadata, Column("id", Integer, primary_key=True))
    inventory = (
        T("t", "x", "course", {"gone": P("subject", "was here")}, "id"),
        T("gone_table", "x", "course", {}, "id"),
    )
    found = problems(metadata, inventory)
    assert "t.gone is declared but does not exist" in found
    assert "table gone_table is declared but does not exist" in found


def test_a_wrong_whose_fails() -> None:
    metadata = MetaData()
    Table("t", metadata, Column("id", Integer, primary_key=True), Column("x", String))
    found = problems(metadata, (T("t", "x", "course", {"x": P("someone", "?")}, "id"),))
    assert any("whose must be" in f for f in found)


def test_docs_privacy_md_is_the_generated_inventory() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown() + "\n", (
        "docs/privacy.md is stale: run `flask --app lti_tool privacy inventory > docs/privacy.md`"
    )


def test_every_personal_table_can_be_reached_from_a_person() -> None:
    # Export and erasure find rows by their links; a personal table without one is invisible.
    for table in TABLES:
        # refused_address holds only an address: the erasure's sweep finds it by the address;
        # feedback_group_snapshot holds person ids in JSON, like feedback_config.groups.
        exempt = {"feedback_config", "stored_files", "refused_address", "feedback_group_snapshot"}
        if table.personal and table.name not in exempt:
            assert table.links, table.name
