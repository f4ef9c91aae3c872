"""依申请公开 applications: applicant, 补正 notices, 征求意见/会商, reply and archive

Revision ID: foi
Revises: desk_admin
Create Date: 2026-12-01 22:35:32.066720
"""

from alembic import op
import sqlalchemy as sa
import ledger.types


revision = 'foi'
down_revision = 'desk_admin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosure_request',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('applicant_type', sa.String(length=20), nullable=False),
    sa.Column('applicant_name', sa.String(length=120), nullable=True),
    sa.Column('applicant_address', sa.String(length=300), nullable=True),
    sa.Column('reply_type', sa.String(length=40), nullable=True),
    sa.Column('reply_ground', sa.String(length=200), nullable=True),
    sa.Column('reply_body', sa.String(length=200), nullable=True),
    sa.Column('reply_row', sa.String(length=40), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('replied_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replied_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('archive_no', sa.String(length=60), nullable=True),
    sa.Column('archived_on', sa.Date(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['archived_by_id'], ['user_account.id'], name=op.f('fk_disclosure_request_archived_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_disclosure_request_item_id_item')),
    sa.ForeignKeyConstraint(['replied_by_id'], ['user_account.id'], name=op.f('fk_disclosure_request_replied_by_id_user_account')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_disclosure_request'))
    )
    op.create_table('disclosure_consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('party', sa.String(length=200), nullable=False),
    sa.Column('asked_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('opinion_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['disclosure_request.item_id'], name=op.f('fk_disclosure_consultation_item_id_disclosure_request')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_disclosure_consultation_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_consultation'))
    )
    with op.batch_alter_table('disclosure_consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_consultation_item_id'), ['item_id'], unique=False)

    op.create_table('disclosure_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('to_complete', sa.Text(), nullable=False),
    sa.Column('answer_by', sa.Date(), nullable=False),
    sa.Column('completed_at', ledger.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_note', sa.Text(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_disclosure_correction_issued_by_id_user_account')),
    sa.ForeignKeyConstraint(['item_id'], ['disclosure_request.item_id'], name=op.f('fk_disclosure_correction_item_id_disclosure_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_correction'))
    )
    with op.batch_alter_table('disclosure_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_correction_item_id'), ['item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('disclosure_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_correction_item_id'))

    op.drop_table('disclosure_correction')
    with op.batch_alter_table('disclosure_consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_consultation_item_id'))

    op.drop_table('disclosure_consultation')
    op.drop_table('disclosure_request')
