"""Alembic environment: migrations run against the URL the caller configured."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from store.tables import Base

url = context.config.get_main_option("sqlalchemy.url")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:  # a migration that refuses (raises) leaves no pooled connection behind either
        engine.dispose()
