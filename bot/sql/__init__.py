"""The SQL adapters: the schema and the repositories over SQLAlchemy Core, for SQLite and PostgreSQL.

This package is the only place SQLAlchemy appears in the core (tests/test_architecture.py checks it).
`schema.py` declares every table; each other module implements the repositories of one aggregate
(bot/repositories.py) or the unit of work."""
