"""notice entries: a reminder digest lists its items (one notice per recipient per run)

Revision ID: desk
Revises: analysis
"""

from alembic import op
import sqlalchemy as sa


revision = 'desk'
down_revision = 'analysis'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entries', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notice_item_id'), ['item_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_item_id'))
        batch_op.drop_column('entries')
