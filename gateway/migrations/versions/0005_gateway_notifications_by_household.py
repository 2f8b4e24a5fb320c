"""the portal's notifications carry the household they were addressed to (``portal_notifications
.household_id``, from notify's ``notification.changed``): a resident's inbox, unread count and overview
show none of an earlier household's messages after the unit changes hands (过户, move-out and move-in)

Rows projected before have none (shown as before) until the next change of the message or
``./wuye readmodel rebuild --fresh`` (run it once after the upgrade, with notify at 0050: a
plain rebuild keeps a row whose version is unchanged).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('portal_notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('portal_notifications', schema=None) as batch_op:
        batch_op.drop_column('household_id')
