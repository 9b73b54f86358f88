"""Bring the database schema up to date with Alembic (run at start-up and in tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from jmd.shared.settings import PROJECT_ROOT, get_settings


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    return config


def upgrade(url: str | None = None) -> None:
    """Apply all migrations to the database at ``url`` (default: ``DATABASE_URL``)."""
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    upgrade()
