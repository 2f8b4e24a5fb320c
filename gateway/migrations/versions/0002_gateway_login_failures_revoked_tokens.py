"""gateway: failed logins (throttling) and tokens revoked at logout

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:40:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failure_address', ['address', 'at'], unique=False)
        batch_op.create_index('ix_login_failure_at', ['at'], unique=False)
        batch_op.create_index('ix_login_failure_username', ['username', 'at'], unique=False)

    op.create_table('revoked_tokens',
    sa.Column('jti', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('expires_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti')
    )
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revoked_tokens_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('revoked_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revoked_tokens_expires_at'))
    op.drop_table('revoked_tokens')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failure_username')
        batch_op.drop_index('ix_login_failure_at')
        batch_op.drop_index('ix_login_failure_address')
    op.drop_table('login_failures')
