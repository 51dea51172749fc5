"""Alembic migrations of the archive schema, run from code by ``storage.migrate``."""
