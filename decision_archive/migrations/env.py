"""Alembic's environment for the decision archive: runs on the connection the archive hands it
(``config.attributes["connection"]``), against the tables in decision_archive.store."""

from __future__ import annotations

from alembic import context

from decision_archive.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes opening the archive at once migrate one after the other.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(724311)")
    context.run_migrations()
