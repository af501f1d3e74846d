"""Alembic environment: the service's tables (``web.db.models``) on the engine the
caller passes in ``config.attributes["connection"]`` (see ``web.db.schema``)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import web.db.models  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
