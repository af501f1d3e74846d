"""The schema comes only from the Alembic migrations, and they describe exactly the
tables the code uses (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from servicekit import Service
from sqlmodel import SQLModel

from web.app.services import services
from web.db.schema import current_revision, head_revision, upgrade


def test_migrations_match_the_models(service: Service) -> None:
    engine = services(service.app).engine
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_twice_is_harmless(service: Service) -> None:
    engine = services(service.app).engine
    upgrade(engine)
    assert current_revision(engine) == head_revision()
