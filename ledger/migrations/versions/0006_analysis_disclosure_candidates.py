"""依申请→主动公开 candidate decisions

Revision ID: analysis
Revises: masking
Create Date: 2026-12-01 19:45:00
"""

from alembic import op
import sqlalchemy as sa
import ledger.types


revision = 'analysis'
down_revision = 'masking'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('evidence_item_ids', sa.JSON(), nullable=False),
    sa.Column('senders', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('publication_url', sa.String(length=1000), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_disclosure_candidate_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_disclosure_candidate_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_candidate')),
    sa.UniqueConstraint('key', name=op.f('uq_disclosure_candidate_key'))
    )


def downgrade() -> None:
    op.drop_table('disclosure_candidate')
