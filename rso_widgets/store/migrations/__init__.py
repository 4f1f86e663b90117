"""Alembic migration scripts, shipped in the package and run programmatically by `db.upgrade`."""
