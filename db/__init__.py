"""Persistence: typed SQLAlchemy models, sessions and migrations for the system of record."""
