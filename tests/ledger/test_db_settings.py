"""PostgreSQL connections carry the settings the search needs at scale (ledger.db says why):
custom plans for every run of a statement, and bitmaps that stay exact."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger.db import POSTGRES_SETTINGS, make_engine


def test_every_postgres_connection_has_the_settings(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL settings")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        for _ in range(2):  # a rolled-back transaction does not undo them
            with engine.connect() as conn:
                shown = {
                    name: conn.execute(text(f"SHOW {name}")).scalar()
                    for name, _ in POSTGRES_SETTINGS
                }
                conn.rollback()
            assert shown == dict(POSTGRES_SETTINGS)
    finally:
        engine.dispose()
