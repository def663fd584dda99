"""Alembic environment: runs on the connection storage/migrate.py hands over.

There is no alembic.ini; `schedule_mcp.storage.migrate` builds the Config in code and puts
an open (sync-facing) connection in `config.attributes["connection"]`.
"""

from __future__ import annotations

from alembic import context

from schedule_mcp.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through schedule_mcp.storage.migrate, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    compare_server_default=True,
)
with context.begin_transaction():
    context.run_migrations()
