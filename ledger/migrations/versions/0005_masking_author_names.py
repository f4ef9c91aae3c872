"""re-mask stored caller names with the current rules

Names stored before the masking fix kept the name when a phone followed it (王小明138****5678)
and kept HTML-escaped names whole (&lt;b&gt;欧阳小明&lt;/b&gt;). mask_name is idempotent on names
it masked before, so running it over every stored name fixes exactly those rows.

Revision ID: masking
Revises: accounts
"""

from alembic import op
import sqlalchemy as sa

from ledger.masking import mask_name


revision = 'masking'
down_revision = 'accounts'
branch_labels = None
depends_on = None

item = sa.table('item', sa.column('id', sa.Integer), sa.column('author_masked', sa.String))


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(item.c.id, item.c.author_masked).where(item.c.author_masked.is_not(None))
    ).all()
    for row_id, name in rows:
        masked = mask_name(name)
        if masked != name:
            conn.execute(item.update().where(item.c.id == row_id).values(author_masked=masked))


def downgrade() -> None:
    pass  # the unmasked names are not stored anywhere: nothing to restore
