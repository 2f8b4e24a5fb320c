"""tickets: the record of borrowers' whole-phone reads (借用人电话查阅记录, domain/keys.py ``loan_phone``):
who read which loan's phone, when and why, allowed or refused -- never the number.

Revision ID: 0069
Revises: 0068
Create Date: 2026-11-27 09:40:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0069'
down_revision = '0068'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_phone_reads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('key_id', sa.String(length=36), nullable=False),
    sa.Column('loan_id', sa.String(length=36), nullable=False),
    sa.Column('unit_label', sa.String(length=100), nullable=False),
    sa.Column('key_label', sa.String(length=100), nullable=False),
    sa.Column('reader_id', sa.String(length=100), nullable=False),
    sa.Column('reader_name', sa.String(length=100), nullable=False),
    sa.Column('reader_roles', sa.String(length=200), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('read_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('refusal', sa.String(length=30), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('key_phone_reads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_key_phone_reads_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_phone_reads_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_key_phone_reads_read_at'), ['read_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('key_phone_reads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_key_phone_reads_read_at'))
        batch_op.drop_index(batch_op.f('ix_key_phone_reads_loan_id'))
        batch_op.drop_index(batch_op.f('ix_key_phone_reads_project_id'))
    op.drop_table('key_phone_reads')
