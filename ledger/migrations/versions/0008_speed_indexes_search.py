"""indexes for every list filter and work queue; Chinese search index (PostgreSQL)

List filters and orders: (filter column, received_at, id) so a filtered, newest-first page is an
index range read. Work queues: (status, due_at) for triage and the overdue filter,
(department_id, status, due_at) for the workbench and review. The supervision board aggregates
over received_at with the figures' columns in the index (INCLUDE on PostgreSQL), so it reads no
table rows. Unread notices per user. On PostgreSQL a GIN index over the character bigrams of
title, body and 编号 backs the substring search (see docs/performance.md for the measurements
against pg_trgm); SQLite keeps LIKE.

Revision ID: speed
Revises: desk
"""

from alembic import op
import sqlalchemy as sa


revision = 'speed'
down_revision = 'desk'
branch_labels = None
depends_on = None

# name -> (table, columns)
INDEXES = {
    'ix_item_received_id': ('item', ['received_at', 'id']),
    'ix_item_department_received': ('item', ['department_id', 'received_at', 'id']),
    'ix_item_status_received': ('item', ['status', 'received_at', 'id']),
    'ix_item_source_received': ('item', ['source_id', 'received_at', 'id']),
    'ix_item_type_received': ('item', ['item_type', 'received_at', 'id']),
    'ix_item_status_due': ('item', ['status', 'due_at', 'id']),
    'ix_item_department_status_due': ('item', ['department_id', 'status', 'due_at', 'id']),
    'ix_item_duplicate_of_id': ('item', ['duplicate_of_id']),
    'ix_notice_user_read': ('notice', ['user_id', 'read_at']),
    'ix_event_item_at': ('event', ['item_id', 'id']),
}
# the supervision board's figures, read from the index alone
BOARD = ['department_id', 'status', 'due_at', 'warn_at', 'replied_at']

BIGRAMS = """
CREATE FUNCTION huiying_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
  SELECT array_to_tsvector(coalesce(array_agg(DISTINCT substr(s, i, 2)), '{}'))
  FROM (SELECT lower(t) AS s) AS x, generate_series(1, length(s) - 1) AS i
$$
"""
# COST 1000: where the planner filters rows instead of using the index, ILIKE (cheap) runs first
SEARCH_EXPR = "huiying_bigrams(title || ' ' || body || ' ' || external_id)"


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == 'postgresql':
        op.create_index('ix_item_board', 'item', ['received_at'], postgresql_include=BOARD)
        op.execute(BIGRAMS)
        # a GIN build sorts its entries in memory: the 64 MB default makes it several times slower
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")
        op.execute(f'CREATE INDEX ix_item_search_bigrams ON item USING gin (({SEARCH_EXPR}))')
    else:
        op.create_index('ix_item_board', 'item', ['received_at', *BOARD])
    # Fresh statistics, or SQLite walks the GROUP BY column's index over the whole table for the
    # board instead of the received_at range (PostgreSQL's autovacuum analyses by itself).
    op.execute('ANALYZE item')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_item_search_bigrams')
        op.execute('DROP FUNCTION IF EXISTS huiying_bigrams(text)')
    op.drop_index('ix_item_board', table_name='item')
    for name, (table, _columns) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
