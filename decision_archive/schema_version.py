"""The decision archive's schema, evolved by Alembic migrations so no record is ever lost.

Opening the archive brings its database to the newest revision
(``decision_archive/migrations/versions/``). A database created before migrations existed (its
tables made directly, no ``alembic_version``) is adopted as revision 0001, the schema it has,
and upgraded from there. ``python -m decision_archive migrate`` does the same by hand, and
``python -m decision_archive schema`` says where a database stands.

A schema change is a new revision file (``alembic revision`` with this script location, or by
hand from ``script.py.mako``), never an edit to one that has shipped.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
FIRST_REVISION = "0001"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic's configuration for the archive, with no alembic.ini to find."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the code knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None, "the archive has at least one migration"
    return revision


def current(engine: Engine) -> str | None:
    """The revision a database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision, adopting a pre-migration database first."""
    with engine.begin() as connection:
        known = MigrationContext.configure(connection).get_current_revision()
        if known is None and sa.inspect(connection).has_table("case_records"):
            # Created by create_all before migrations: it has revision 0001's schema.
            command.stamp(alembic_config(connection), FIRST_REVISION)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
