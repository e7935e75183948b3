"""The SQL repositories: SQLAlchemy Core on SQLite and PostgreSQL, behind the core's ports.

This package is the only place SQLAlchemy appears in the core (tests/test_architecture.py checks it).
`schema.py` declares every table; each other module implements the repositories of one aggregate
(bot/repositories.py, bot/handoffs/types.py) or the unit of work."""
