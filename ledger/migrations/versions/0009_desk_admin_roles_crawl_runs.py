"""several roles per user (user_role, carried over from user_account.role); a crawl log per source

Revision ID: desk_admin
Revises: speed
"""

from alembic import op
import sqlalchemy as sa

import ledger.types


revision = 'desk_admin'
down_revision = 'speed'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_role',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user_account.id'],
            name=op.f('fk_user_role_user_id_user_account'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role')),
    )
    op.execute('INSERT INTO user_role (user_id, role, position) SELECT id, role, 0 FROM user_account')
    # Native DROP COLUMN (SQLite >= 3.35) rather than batch mode: a batch rebuild of user_account
    # would DROP the table under every row that points at a user (events, replies, notices).
    op.execute('ALTER TABLE user_account DROP COLUMN role')

    op.create_table(
        'crawl_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('started_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', ledger.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('refused', sa.Integer(), nullable=False),
        sa.Column('failures', sa.JSON(), nullable=False),
        sa.Column('refusals', sa.JSON(), nullable=False),
        sa.Column('log_path', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ['source_id'], ['source.id'], name=op.f('fk_crawl_run_source_id_source')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_run')),
    )
    op.create_index('ix_crawl_run_source_id_id', 'crawl_run', ['source_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_crawl_run_source_id_id', table_name='crawl_run')
    op.drop_table('crawl_run')
    # Native ADD COLUMN (no rebuild of user_account, see upgrade); NOT NULL needs a default
    op.execute("ALTER TABLE user_account ADD COLUMN role VARCHAR(20) NOT NULL DEFAULT ''")
    # the first role (the one a login landed on) becomes the single role again
    op.execute(
        'UPDATE user_account SET role = (SELECT r.role FROM user_role r '
        'WHERE r.user_id = user_account.id ORDER BY r.position LIMIT 1) '
        'WHERE EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = user_account.id)'
    )
    if op.get_bind().dialect.name == 'postgresql':  # SQLite cannot drop a default in place
        op.execute('ALTER TABLE user_account ALTER COLUMN role DROP DEFAULT')
    op.drop_table('user_role')
