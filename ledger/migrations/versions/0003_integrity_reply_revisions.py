"""reply revisions: who wrote each text of a staff reply (four-eyes reads authorship from here)

Revision ID: integrity
Revises: 0002
Create Date: 2026-12-01 19:50:00
"""

from alembic import op
import sqlalchemy as sa
import ledger.types


revision = 'integrity'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reply_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_reply_revision_author_id_user_account')),
    sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_reply_revision_reply_id_reply')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_revision'))
    )
    with op.batch_alter_table('reply_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_revision_reply_id'), ['reply_id'], unique=False)

    # Existing staff replies: their current text counts as written by whoever saved it last (the
    # only authorship known before revisions were kept).
    op.execute(
        "INSERT INTO reply_revision (reply_id, text, author_id, created_at) "
        "SELECT id, text, author_id, COALESCE(submitted_at, created_at) FROM reply "
        "WHERE origin = 'staff'"
    )


def downgrade() -> None:
    with op.batch_alter_table('reply_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_revision_reply_id'))

    op.drop_table('reply_revision')
