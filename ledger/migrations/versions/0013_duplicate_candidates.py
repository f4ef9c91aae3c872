"""duplicate index: MinHash signatures, LSH band keys and duplicate candidates, backfilled

Likely duplicates were computed on every triage page by comparing each item with up to 500
others; now they are found once, at intake (ledger.intake.duplicates), and read from
duplicate_candidate. The upgrade signs every existing item and stores its candidates: about
2.7 ms of CPU per item (2,100 items: seconds; 1,000,000: most of an hour).

Revision ID: dupes
Revises: events
"""

from alembic import op
import sqlalchemy as sa

import ledger.types
from ledger.intake.duplicates import backfill


revision = 'dupes'
down_revision = 'events'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'item_signature',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.LargeBinary(length=256), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_item_signature_item_id_item'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_item_signature')),
    )
    op.create_table(
        'duplicate_band',
        sa.Column('key', sa.BigInteger(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_duplicate_band_item_id_item'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', 'item_id', name=op.f('pk_duplicate_band')),
    )
    op.create_index('ix_duplicate_band_item', 'duplicate_band', ['item_id'])
    op.create_table(
        'duplicate_candidate',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('found_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['item.id'], name=op.f('fk_duplicate_candidate_candidate_id_item'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_duplicate_candidate_item_id_item'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('item_id', 'candidate_id', name=op.f('pk_duplicate_candidate')),
    )
    op.create_index('ix_duplicate_candidate_candidate', 'duplicate_candidate', ['candidate_id'])
    backfill(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_duplicate_candidate_candidate', table_name='duplicate_candidate')
    op.drop_table('duplicate_candidate')
    op.drop_index('ix_duplicate_band_item', table_name='duplicate_band')
    op.drop_table('duplicate_band')
    op.drop_table('item_signature')
