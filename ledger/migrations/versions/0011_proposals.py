"""人大建议/政协提案: proposal, its 协办 处室 and 面商/沟通 records

Revision ID: proposals
Revises: foi
Create Date: 2026-12-01 23:00:00
"""

from alembic import op
import sqlalchemy as sa
import ledger.types


revision = 'proposals'
down_revision = 'foi'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('batch', sa.String(length=40), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('proposer', sa.String(length=120), nullable=False),
    sa.Column('assigning_body', sa.String(length=120), nullable=False),
    sa.Column('assigned_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lead_department_id', sa.Integer(), nullable=False),
    sa.Column('not_ours_due_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('not_ours_explanation', sa.JSON(), nullable=False),
    sa.Column('not_ours_reported_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('not_ours_reason', sa.Text(), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('satisfaction', sa.String(length=10), nullable=True),
    sa.Column('satisfaction_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reply_files', sa.JSON(), nullable=False),
    sa.Column('published_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_proposal_item_id_item')),
    sa.ForeignKeyConstraint(['lead_department_id'], ['department.id'], name=op.f('fk_proposal_lead_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal')),
    sa.UniqueConstraint('item_id', name=op.f('uq_proposal_item_id')),
    sa.UniqueConstraint('year', 'kind', 'number', name=op.f('uq_proposal_year_kind_number'))
    )
    op.create_index(op.f('ix_proposal_year'), 'proposal', ['year'], unique=False)
    op.create_table('proposal_cohandler',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('due_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('opinion_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opinion_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_proposal_cohandler_department_id_department')),
    sa.ForeignKeyConstraint(['opinion_by_id'], ['user_account.id'], name=op.f('fk_proposal_cohandler_opinion_by_id_user_account')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_cohandler_proposal_id_proposal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_cohandler')),
    sa.UniqueConstraint('proposal_id', 'department_id', name=op.f('uq_proposal_cohandler_proposal_id_department_id'))
    )
    op.create_index(op.f('ix_proposal_cohandler_department_id'), 'proposal_cohandler', ['department_id'], unique=False)
    op.create_index(op.f('ix_proposal_cohandler_proposal_id'), 'proposal_cohandler', ['proposal_id'], unique=False)
    op.create_table('proposal_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('participants', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_proposal_contact_proposal_id_proposal')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_proposal_contact_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_contact')),
    )
    op.create_index(op.f('ix_proposal_contact_proposal_id'), 'proposal_contact', ['proposal_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_proposal_contact_proposal_id'), table_name='proposal_contact')
    op.drop_table('proposal_contact')
    op.drop_index(op.f('ix_proposal_cohandler_proposal_id'), table_name='proposal_cohandler')
    op.drop_index(op.f('ix_proposal_cohandler_department_id'), table_name='proposal_cohandler')
    op.drop_table('proposal_cohandler')
    op.drop_index(op.f('ix_proposal_year'), table_name='proposal')
    op.drop_table('proposal')
