"""Alembic's entry point: runs on the connection the store hands over (never a URL), so
the migration shares the store's serialised transaction and lock."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
