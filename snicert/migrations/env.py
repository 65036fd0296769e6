"""Alembic environment: runs against the connection snicert.db.migrate hands it."""

from alembic import context

from snicert.db.models import Base

target_metadata = Base.metadata
config = context.config
connection = config.attributes.get("connection")

if connection is None:  # plain `alembic` CLI use: build an engine from the configured URL
    from snicert.db.engine import make_engine

    with make_engine(config.get_main_option("sqlalchemy.url")).connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
