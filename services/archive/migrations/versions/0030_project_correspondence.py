"""archive: the project's own correspondence (项目往来记录) -- complaints about public matters
and their replies, filed from tickets' complaint events.

Revision ID: 0030
Revises: 0020
Create Date: 2026-11-26 05:52:10.099184
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0030'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('project_correspondence',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref_type', sa.String(length=30), nullable=False),
    sa.Column('ref_id', sa.String(length=64), nullable=False),
    sa.Column('ref_number', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('occurred_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('filed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'ref_type', 'ref_id', 'kind', name='uq_project_correspondence_ref')
    )
    with op.batch_alter_table('project_correspondence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_correspondence_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('project_correspondence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_correspondence_project_id'))

    op.drop_table('project_correspondence')
