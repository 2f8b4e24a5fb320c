"""tickets: goods releases (物品放行单) with their log -- identity check, mover, items, the fee
check and finance's signature, numbered passes, use at the gate, voids with who and why.

Revision ID: 0056
Revises: 0055
Create Date: 2026-11-27 03:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0056'
down_revision = '0055'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('goods_releases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('unit_label', sa.String(length=100), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('requester_name', sa.String(length=100), nullable=False),
    sa.Column('requester_role', sa.String(length=20), nullable=False),
    sa.Column('requester_user_id', sa.String(length=100), nullable=True),
    sa.Column('owner_consent', sa.JSON(), nullable=True),
    sa.Column('mover_name', sa.String(length=100), nullable=False),
    sa.Column('mover_id_type', sa.String(length=30), nullable=False),
    sa.Column('mover_id_masked', sa.String(length=40), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('move_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('identity', sa.JSON(), nullable=True),
    sa.Column('fees', sa.JSON(), nullable=True),
    sa.Column('finance_signed_by', sa.String(length=100), nullable=True),
    sa.Column('finance_signed_name', sa.String(length=100), nullable=True),
    sa.Column('finance_signed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('issued_by', sa.String(length=100), nullable=True),
    sa.Column('issued_name', sa.String(length=100), nullable=True),
    sa.Column('issued_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('used_by', sa.String(length=100), nullable=True),
    sa.Column('used_name', sa.String(length=100), nullable=True),
    sa.Column('used_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('voided_by', sa.String(length=100), nullable=True),
    sa.Column('voided_name', sa.String(length=100), nullable=True),
    sa.Column('voided_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'number', name='uq_goods_release_number')
    )
    with op.batch_alter_table('goods_releases', schema=None) as batch_op:
        batch_op.create_index('ix_goods_releases_project_status', ['project_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_goods_releases_unit_id'), ['unit_id'], unique=False)

    op.create_table('goods_release_log',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('release_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=100), nullable=False),
    sa.Column('actor_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['goods_releases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('goods_release_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goods_release_log_release_id'), ['release_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('goods_release_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goods_release_log_release_id'))
    op.drop_table('goods_release_log')
    with op.batch_alter_table('goods_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goods_releases_unit_id'))
        batch_op.drop_index('ix_goods_releases_project_status')
    op.drop_table('goods_releases')
