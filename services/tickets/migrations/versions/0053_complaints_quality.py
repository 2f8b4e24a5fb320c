"""tickets: when a complaint was reported to the service-centre manager; warranty-quality
complaints' own facts (supervision department's notice, joint assessment, explanation,
compensation claim and decision).

Revision ID: 0053
Revises: 0050
Create Date: 2026-11-26 05:43:24.283871
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0053'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quality_complaints',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('supervision_notified_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('within_warranty', sa.Boolean(), nullable=True),
    sa.Column('assessed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('explained_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('compensation_claim', sa.Text(), nullable=True),
    sa.Column('compensation_claimed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('compensation_decision', sa.String(length=10), nullable=True),
    sa.Column('compensation_note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('decided_by_name', sa.String(length=100), nullable=True),
    sa.Column('decided_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('quality_complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quality_complaints_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_to_manager_at', kernel.db.UtcDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('reported_to_manager_at')

    with op.batch_alter_table('quality_complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quality_complaints_project_id'))

    op.drop_table('quality_complaints')
