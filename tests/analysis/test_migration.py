"""Migration 'analysis' goes up and down on both backends (SQLite in batch mode, PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from ledger.db import make_engine
from ledger.schema import alembic_config, current_revision


def test_disclosure_table_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) != "(none)"
        assert inspect(engine).has_table("disclosure_candidate")
        cfg = alembic_config(database_url)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "analysis-1")  # the revision before ours, wherever it is chained
        assert not inspect(engine).has_table("disclosure_candidate")
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
        assert inspect(engine).has_table("disclosure_candidate")
    finally:
        engine.dispose()
