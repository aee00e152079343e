"""Storage: SQLAlchemy tables, engine and sessions, queries, migrations."""
