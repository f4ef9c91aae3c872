"""The duplicate index without foreign keys (migration dupe_no_fk): no per-row reference check on
the band and candidate rows, and still no row left behind when its item is deleted (a trigger does
what ON DELETE CASCADE did), both ways of the migration, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, func, inspect, or_, select, text
from sqlalchemy.engine import Engine

from ledger.db import make_engine, make_session_factory
from ledger.models import DuplicateBand, DuplicateCandidate, ItemSignature
from ledger.schema import alembic_config, current_revision
from tests.ledger.test_duplicate_index import ARREARS, POWER, POWER_AGAIN, rec, take

DUPLICATE_TABLES = ("duplicate_band", "duplicate_candidate", "item_signature")


def references(conn: Connection, table: str) -> set[str]:
    """The columns of `table` with a foreign key to item."""
    return {
        column
        for key in inspect(conn).get_foreign_keys(table)
        if key["referred_table"] == "item"
        for column in key["constrained_columns"]
    }


def rows_of(conn: Connection, item_id: int) -> dict[str, int]:
    """How many duplicate-index rows still name `item_id`."""
    return {
        "band": conn.scalar(select(func.count()).where(DuplicateBand.item_id == item_id)),
        "candidate": conn.scalar(
            select(func.count()).where(
                or_(
                    DuplicateCandidate.item_id == item_id,
                    DuplicateCandidate.candidate_id == item_id,
                )
            )
        ),
        "signature": conn.scalar(select(func.count()).where(ItemSignature.item_id == item_id)),
    }


def delete_items(conn: Connection, *ids: int) -> None:
    """Delete items the way a person would by hand, in one statement per table: first every row
    that references them (events, routing decisions, notices …; found by reflection, not listed
    here), then the items."""
    inspector = inspect(conn)
    marks = ", ".join(f":id{n}" for n in range(len(ids)))
    params = {f"id{n}": item_id for n, item_id in enumerate(ids)}
    for table in inspector.get_table_names():
        if table in DUPLICATE_TABLES:
            continue  # left to the database: that is what is tested
        for key in inspector.get_foreign_keys(table):
            if key["referred_table"] == "item":
                [column] = key["constrained_columns"]
                conn.execute(text(f"DELETE FROM {table} WHERE {column} IN ({marks})"), params)
    conn.execute(text(f"DELETE FROM item WHERE id IN ({marks})"), params)


def migrate(engine: Engine, url: str, revision: str, *, down: bool = False) -> None:
    cfg = alembic_config(url)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(cfg, revision)


def stored(engine: Engine, data_dir: Path, instance_dir: Path) -> list[int]:
    """Three items, the first and last a pair: ids in order."""
    with make_session_factory(engine).begin() as session:
        return take(
            session,
            data_dir,
            instance_dir,
            rec("K1", POWER),
            rec("K2", ARREARS, 1),
            rec("K3", POWER_AGAIN, 2),
        )


def test_deleting_an_item_deletes_its_band_and_candidate_rows_without_foreign_keys(
    database_url: str, data_dir: Path, instance_dir: Path
) -> None:
    engine = make_engine(database_url)
    first, other, again = stored(engine, data_dir, instance_dir)
    with engine.begin() as conn:
        assert references(conn, "duplicate_band") == set()
        assert references(conn, "duplicate_candidate") == set()
        assert references(conn, "item_signature") == {"item_id"}  # one row per item: kept
        assert rows_of(conn, again) == {"band": 32, "candidate": 2, "signature": 1}
        delete_items(conn, again)
        assert rows_of(conn, again) == {"band": 0, "candidate": 0, "signature": 0}
        # the pair is gone from its other side too; the other items keep their rows
        assert rows_of(conn, first) == {"band": 32, "candidate": 0, "signature": 1}
        assert rows_of(conn, other) == {"band": 32, "candidate": 0, "signature": 1}
        # several items in one statement (PostgreSQL's trigger runs once per statement)
        delete_items(conn, first, other)
        assert conn.scalar(select(func.count()).select_from(DuplicateBand)) == 0
        assert conn.scalar(select(func.count()).select_from(ItemSignature)) == 0
    engine.dispose()


def test_the_migration_drops_and_restores_the_keys_and_keeps_the_rows(
    database_url: str, data_dir: Path, instance_dir: Path
) -> None:
    engine = make_engine(database_url)
    first, _other, again = stored(engine, data_dir, instance_dir)
    with engine.connect() as conn:
        pairs = set(
            conn.execute(select(DuplicateCandidate.item_id, DuplicateCandidate.candidate_id))
        )
    assert pairs == {(first, again), (again, first)}

    migrate(engine, database_url, "entry_numbers", down=True)
    assert current_revision(engine) == "entry_numbers"
    with engine.begin() as conn:
        assert references(conn, "duplicate_band") == {"item_id"}
        assert references(conn, "duplicate_candidate") == {"item_id", "candidate_id"}
        assert (
            set(conn.execute(select(DuplicateCandidate.item_id, DuplicateCandidate.candidate_id)))
            == pairs
        )
        assert rows_of(conn, again)["band"] == 32
        delete_items(conn, again)  # the restored cascade, not a trigger left behind
        assert rows_of(conn, again) == {"band": 0, "candidate": 0, "signature": 0}

    migrate(engine, database_url, "dupe_no_fk")
    assert current_revision(engine) == "dupe_no_fk"
    with engine.begin() as conn:
        assert references(conn, "duplicate_band") == set()
        assert references(conn, "duplicate_candidate") == set()
        assert rows_of(conn, first) == {"band": 32, "candidate": 0, "signature": 1}
        delete_items(conn, first)
        assert rows_of(conn, first) == {"band": 0, "candidate": 0, "signature": 0}
    migrate(engine, database_url, "head")
    engine.dispose()
