"""The SQL repositories: SQLAlchemy Core on SQLite and PostgreSQL, behind the core's ports."""
