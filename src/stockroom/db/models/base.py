"""Declarative base, naming convention and the columns most tables share."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from stockroom.db.types import UtcDateTime, utcnow

# Stable constraint names, so Alembic migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Index.info key: the one database an index exists on (see ``postgresql_only``).
ONLY_ON = "only_on"


def postgresql_only(index: Index) -> Index:
    """An index SQLite cannot build (GIN, operator classes): neither ``create_all`` nor
    the migrations make it there, and ``db.migrate.only_for`` keeps the comparison of
    models and database from missing it."""
    index.info[ONLY_ON] = "postgresql"
    return index.ddl_if(dialect="postgresql")


class PublicId:
    """Integer keys stay inside; the API names rows by this UUID."""

    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Versioned:
    """Optimistic locking: every UPDATE bumps ``version`` and matches the version it read.

    SQLAlchemy's ``version_id_col`` adds ``WHERE version = :read`` to each UPDATE, so two
    writers racing on the same row cannot both win (the loser gets StaleDataError).
    """

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]
