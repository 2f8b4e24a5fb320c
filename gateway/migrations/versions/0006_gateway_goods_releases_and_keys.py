"""the portal's goods releases (物品放行单, tickets' ``goods_release.changed``) and keys (钥匙,
``key.changed``): a resident's passes, the gate's passes of a day and by number, the desk's keys
out and overdue, a unit's keys -- read from the gateway's own tables, not by RPC to tickets

Empty after the upgrade: run ``./wuye readmodel rebuild`` once (with tickets at 0060 or later);
until a row is projected the routes ask tickets, as before.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'portal_goods_releases',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('unit_id', sa.String(length=36), nullable=False),
        sa.Column('household_id', sa.String(length=36), nullable=True),
        sa.Column('requester_user_id', sa.String(length=36), nullable=True),
        sa.Column('number', sa.String(length=40), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('recorded_at', sa.String(length=40), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('portal_goods_releases', schema=None) as batch_op:
        batch_op.create_index('ix_portal_goods_releases_unit', ['unit_id', 'recorded_at'], unique=False)
        batch_op.create_index('ix_portal_goods_releases_number', ['project_id', 'number'], unique=False)
    op.create_table(
        'portal_keys',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('unit_id', sa.String(length=36), nullable=False),
        sa.Column('state', sa.String(length=30), nullable=False),
        sa.Column('due_back_at', sa.String(length=40), nullable=True),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('portal_keys', schema=None) as batch_op:
        batch_op.create_index('ix_portal_keys_unit', ['unit_id'], unique=False)
        batch_op.create_index('ix_portal_keys_project', ['project_id', 'state', 'due_back_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('portal_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_keys_project')
        batch_op.drop_index('ix_portal_keys_unit')
    op.drop_table('portal_keys')
    with op.batch_alter_table('portal_goods_releases', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_goods_releases_number')
        batch_op.drop_index('ix_portal_goods_releases_unit')
    op.drop_table('portal_goods_releases')
