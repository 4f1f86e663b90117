"""Alembic environment: runs on the connection `db.upgrade` hands over (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from rso_widgets.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_offline() -> None:
    """Render the DDL as SQL text (used to check the PostgreSQL DDL without a server)."""
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      output_buffer=config.attributes.get("output_buffer"),
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through rso_widgets.store.db.upgrade()")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
