"""Alembic environment: runs migrations on the connection relationkit hands over."""

from alembic import context

from relationkit.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("relationkit migrations run through relationkit.store.database.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
