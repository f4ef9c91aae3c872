"""duplicate index without foreign keys: a delete trigger on item keeps what ON DELETE CASCADE did

duplicate_band.item_id and duplicate_candidate.item_id / candidate_id referenced item(id) with ON
DELETE CASCADE. Intake writes 32 band rows and a few candidate rows per item (about 100,000 rows in
the demo crawl), and PostgreSQL checks each reference row by row (a SELECT … FOR KEY SHARE on the
item, a row lock written to an old item for each candidate pair): measured on the demo crawl's
2,100 records, intake's server CPU 14.6 → 4.8 s without these three keys (docs/performance.md).

What the keys guaranteed, and how it holds now:
- no row for an item that does not exist: the rows are written only by ledger.intake.duplicates,
  for items flushed or read in the same transaction (their ids come from the item table);
- the rows go when their item goes (ON DELETE CASCADE): an AFTER DELETE trigger on item deletes
  them. It costs nothing when rows are inserted. No code deletes items (their events, replies and
  routing decisions reference them without cascade), but an id reused after a delete on SQLite
  must not inherit another item's candidates.
item_signature keeps its key (one row per item; its cascade goes on as before).

Revision ID: dupe_no_fk
Revises: entry_numbers
"""

from alembic import op
import sqlalchemy as sa


revision = "dupe_no_fk"
down_revision = "entry_numbers"
branch_labels = None
depends_on = None

KEYS = {  # table -> referencing columns
    "duplicate_band": ("item_id",),
    "duplicate_candidate": ("item_id", "candidate_id"),
}

# PostgreSQL: one statement-level trigger, so a DELETE of many items deletes their rows in one
# statement per table (a transition table holds the deleted ids).
PG_FUNCTION = """
CREATE FUNCTION huiying_item_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM duplicate_band WHERE item_id IN (SELECT id FROM gone);
  DELETE FROM duplicate_candidate WHERE item_id IN (SELECT id FROM gone);
  DELETE FROM duplicate_candidate WHERE candidate_id IN (SELECT id FROM gone);
  RETURN NULL;
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER item_deleted_duplicates AFTER DELETE ON item
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION huiying_item_deleted()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER item_deleted_duplicates AFTER DELETE ON item FOR EACH ROW BEGIN
  DELETE FROM duplicate_band WHERE item_id = OLD.id;
  DELETE FROM duplicate_candidate WHERE item_id = OLD.id;
  DELETE FROM duplicate_candidate WHERE candidate_id = OLD.id;
END
"""


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, columns in KEYS.items():
        with op.batch_alter_table(table) as batch:  # SQLite rebuilds the table
            for column in columns:
                batch.drop_constraint(f"fk_{table}_{column}_item", type_="foreignkey")
    if postgres:
        op.execute(PG_FUNCTION)
        op.execute(PG_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS item_deleted_duplicates ON item")
        op.execute("DROP FUNCTION IF EXISTS huiying_item_deleted()")
    else:
        op.execute("DROP TRIGGER IF EXISTS item_deleted_duplicates")
    for table, columns in KEYS.items():
        for column in columns:  # the keys could not be added back over a row without its item
            op.execute(f"DELETE FROM {table} WHERE {column} NOT IN (SELECT id FROM item)")
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.create_foreign_key(
                    f"fk_{table}_{column}_item", "item", [column], ["id"], ondelete="CASCADE"
                )
