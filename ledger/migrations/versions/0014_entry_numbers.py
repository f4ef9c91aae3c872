"""entry numbers: manual entries get a dated 编号 (RG-20261202-0001); the form token moves here

A manual entry's external_id was RG-<form token>, which made the form idempotent but the 编号
unreadable. The 编号 is now a serial per Asia/Shanghai day, and the token is kept beside it in
entry_number (both unique). Existing manual items keep their 编号: each gets its row here, with
the token read back from its RG-<token> id, so a form opened before the upgrade still registers
only once.

Revision ID: entry_numbers
Revises: dupes
"""

from alembic import op
import sqlalchemy as sa

import ledger.types


revision = 'entry_numbers'
down_revision = 'dupes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'entry_number',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('number', sa.String(length=120), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=True),
        sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_entry_number_item_id_item')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_entry_number')),
        sa.UniqueConstraint('item_id', name=op.f('uq_entry_number_item_id')),
        sa.UniqueConstraint('number', name=op.f('uq_entry_number_number')),
        sa.UniqueConstraint('token', name=op.f('uq_entry_number_token')),
    )
    op.execute(
        "INSERT INTO entry_number (token, number, item_id, created_at) "
        "SELECT substr(i.external_id, 4), i.external_id, i.id, i.created_at "
        "FROM item i JOIN source s ON s.id = i.source_id "
        "WHERE s.slug = 'manual' AND i.external_id LIKE 'RG-%' AND length(i.external_id) <= 67"
    )


def downgrade() -> None:
    # The items keep their 编号; a dated one cannot be turned back into RG-<token> (the form
    # token of a new entry lives only here), so those forms lose their resubmission guard.
    op.drop_table('entry_number')
