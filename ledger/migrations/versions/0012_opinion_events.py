"""舆情事件: events, their linked items, responses, follow-up notes, proposals, reminders; audit rows
may name an event

Revision ID: events
Revises: proposals
"""

from alembic import op
import sqlalchemy as sa
import ledger.types


revision = 'events'
down_revision = 'proposals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('opinion_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('发现', '研判', '回应中', '已回应', '跟踪', '办结', name='eventstatus', native_enum=False, length=10), nullable=False),
    sa.Column('first_seen_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source_links', sa.JSON(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('rule_key', sa.String(length=40), nullable=False),
    sa.Column('due_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('warn_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('first_response_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closing_summary', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_opinion_event_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_event'))
    )
    with op.batch_alter_table('opinion_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_event_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinion_event_status'), ['status'], unique=False)

    op.create_table('opinion_event_item',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['opinion_event.id'], name=op.f('fk_opinion_event_item_event_id_opinion_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_opinion_event_item_item_id_item')),
    sa.PrimaryKeyConstraint('event_id', 'item_id', name=op.f('pk_opinion_event_item'))
    )
    with op.batch_alter_table('opinion_event_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_event_item_item_id'), ['item_id'], unique=False)

    op.create_table('opinion_event_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_opinion_event_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['opinion_event.id'], name=op.f('fk_opinion_event_note_event_id_opinion_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_event_note'))
    )
    with op.batch_alter_table('opinion_event_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_event_note_event_id'), ['event_id'], unique=False)

    op.create_table('opinion_event_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('item_ids', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('dismiss_reason', sa.Text(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_opinion_event_proposal_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['opinion_event.id'], name=op.f('fk_opinion_event_proposal_event_id_opinion_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_event_proposal')),
    sa.UniqueConstraint('key', name=op.f('uq_opinion_event_proposal_key'))
    )
    op.create_table('opinion_event_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('due_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['opinion_event.id'], name=op.f('fk_opinion_event_reminder_event_id_opinion_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_event_reminder')),
    sa.UniqueConstraint('event_id', 'kind', 'due_at', name=op.f('uq_opinion_event_reminder_event_id_kind_due_at'))
    )
    with op.batch_alter_table('opinion_event_reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_event_reminder_event_id'), ['event_id'], unique=False)

    op.create_table('opinion_event_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=60), nullable=False),
    sa.Column('responded_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('approved_by', sa.String(length=60), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['opinion_event.id'], name=op.f('fk_opinion_event_response_event_id_opinion_event')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_opinion_event_response_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_event_response'))
    )
    with op.batch_alter_table('opinion_event_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_event_response_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opinion_event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_event_opinion_event_id'), ['opinion_event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_event_opinion_event_id_opinion_event'), 'opinion_event', ['opinion_event_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_event_opinion_event_id_opinion_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_event_opinion_event_id'))
        batch_op.drop_column('opinion_event_id')

    with op.batch_alter_table('opinion_event_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_event_response_event_id'))

    op.drop_table('opinion_event_response')
    with op.batch_alter_table('opinion_event_reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_event_reminder_event_id'))

    op.drop_table('opinion_event_reminder')
    op.drop_table('opinion_event_proposal')
    with op.batch_alter_table('opinion_event_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_event_note_event_id'))

    op.drop_table('opinion_event_note')
    with op.batch_alter_table('opinion_event_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_event_item_item_id'))

    op.drop_table('opinion_event_item')
    with op.batch_alter_table('opinion_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_event_status'))
        batch_op.drop_index(batch_op.f('ix_opinion_event_due_at'))

    op.drop_table('opinion_event')
