"""The project's own tables: one data layer for SQLite and PostgreSQL."""

from jmd.db.engine import db, get_engine, make_engine, session_scope
from jmd.db.models import Base

__all__ = ["Base", "db", "get_engine", "make_engine", "session_scope"]
