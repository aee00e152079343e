"""The Alembic migrations build exactly the schema the models describe.

The test database is made by ``stockroom db upgrade`` (the ``settings`` fixture), the way
every installation is; autogenerate then compares it with the models. Any difference —
a column, a type, an index or a constraint name that one side has and the other not —
means a migration is missing or wrong, and fails here rather than on a user's database.
"""

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from stockroom.db.engine import Database
from stockroom.db.migrate import only_for
from stockroom.db.models import Base


def test_autogenerate_finds_nothing_to_migrate(database: Database) -> None:
    with database.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(sku)...); PostgreSQL compares them.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        # PostgreSQL-only indexes (trigram search) are compared there and left out on SQLite.
        opts = {"compare_type": True, "include_object": only_for(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
