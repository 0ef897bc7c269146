"""Persistence: SQLAlchemy 2 models, the engine (SQLite file or PostgreSQL), repositories, migrations."""
