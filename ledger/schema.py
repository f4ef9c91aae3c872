"""Create or migrate the database schema with Alembic (the migrations live in ledger/migrations)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Indexes whose form differs by database (a covering INCLUDE index on PostgreSQL, plain columns on
# SQLite; on PostgreSQL only a GIN index over an SQL function and a partial index): created by the
# migrations, not declared on the models, and left out when models and migrations are compared.
MIGRATION_ONLY_INDEXES = frozenset(
    {"ix_item_board", "ix_item_search_bigrams", "ix_item_running_due"}
)


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter for comparing the models with the database (autogenerate, drift test)."""
    del obj, reflected, compare_to
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest revision; returns the revision now in force."""
    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return current_revision(engine)


def current_revision(engine: Engine) -> str:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return "(none)"
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else "(none)"
