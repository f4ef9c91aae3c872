"""running items' index: the overdue filter and the board's 黄牌/红牌 lists at 1,000,000 items

The items whose clock runs (待分办, 办理中, 待审核: ledger.states WORK_ITEM.clock_running when this
was written) are under 1% of the table, and every overdue question is about them: the 台账's
"仅超期" count and page, the supervision board's 黄牌 and 红牌 lists. A partial index over them,
ordered by due time and carrying the other columns those queries test, answers the count from the
index alone (~8,500 entries at 1,000,000 items) instead of reading each running item's row.
PostgreSQL only: SQLite uses a partial index only when the query spells its condition with the
same constants, not with bound parameters.

Revision ID: speed_1m
Revises: dupe_no_fk
"""

from alembic import op


revision = 'speed_1m'
down_revision = 'dupe_no_fk'
branch_labels = None
depends_on = None

RUNNING = ('待分办', '办理中', '待审核')


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.create_index(
        'ix_item_running_due',
        'item',
        ['due_at', 'id'],
        postgresql_include=['received_at', 'replied_at', 'warn_at', 'department_id'],
        postgresql_where="status IN ({})".format(", ".join(f"'{s}'" for s in RUNNING)),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_item_running_due', table_name='item')
