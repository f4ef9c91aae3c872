"""PostgreSQL connections carry the settings the search needs at scale (ledger.db says why):
custom plans for every run of a statement, and bitmaps that stay exact."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ledger.db import INTAKE_POSTGRES_SETTINGS, POSTGRES_SETTINGS, make_engine


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


def test_intake_connections_have_their_own_settings_too(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL settings")
    wanted = dict(POSTGRES_SETTINGS + INTAKE_POSTGRES_SETTINGS)
    for intake in (True, False):
        engine = make_engine(database_url, intake=intake, pool_size=1, max_overflow=0)
        try:
            with engine.connect() as conn:
                shown = {name: conn.execute(text(f"SHOW {name}")).scalar() for name in wanted}
        finally:
            engine.dispose()
        if intake:
            assert shown == wanted
        else:  # the web app's connections keep the server's defaults
            assert all(shown[name] != value for name, value in INTAKE_POSTGRES_SETTINGS)
