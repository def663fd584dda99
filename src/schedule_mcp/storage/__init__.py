"""Storage: SQLAlchemy tables, migrations, and repositories over SQLite or PostgreSQL."""
