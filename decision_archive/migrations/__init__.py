"""Alembic migrations of the decision archive's schema (see decision_archive/schema_version.py)."""
