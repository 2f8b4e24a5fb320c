"""notify: every outbound channel -- a contact's WeChat openid, a delivery's subject and the
provider's answer

Revision ID: 0044
Revises: 0043
Create Date: 2026-11-26 16:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wechat_openid', sa.String(length=64), nullable=True))
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('provider_answer', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('provider_answer')
        batch_op.drop_column('subject')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('wechat_openid')
