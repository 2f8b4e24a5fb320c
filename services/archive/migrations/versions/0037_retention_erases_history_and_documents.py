"""archive: the retention erasure reaches the contact-change history and the documents' content.

- ``person_changes.erased_at``; the UPDATE trigger is replaced so exactly one kind of update passes:
  the erasure (old/new value unchanged or ``[erased]``, the name unchanged or reduced to its first
  character, ``erased_at`` from NULL to a time, every other column unchanged; a row once erased is
  never changed again). Every other UPDATE and every DELETE is still refused -- SQLite and
  PostgreSQL (``kernel.db.append_only_statements`` with a ``kernel.db.Erasure``).
- ``documents.erased_at``: a version whose content was erased (the record stays).
- ``retention_purges.changes_erased`` / ``documents_erased``: what an erasure erased.

Revision ID: 0037
Revises: 0036
"""
import sqlalchemy as sa
from alembic import op

import kernel.db


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

#: frozen here: the columns of person_changes as of this revision
ERASURE = kernel.db.Erasure(
    'erased_at', kept=('id', 'group_id', 'project_id', 'household_id', 'person_id', 'action', 'field', 'reason',
                       'changed_by', 'changed_by_name', 'changed_at', 'seq'),
    blanked=('old_value', 'new_value'), masked=('person_name',))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # plain ALTER TABLE ADD COLUMN (no batch copy on SQLite: that would drop the table's triggers)
    op.add_column('person_changes', sa.Column('erased_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
    op.add_column('documents', sa.Column('erased_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
    op.add_column('retention_purges', sa.Column('changes_erased', sa.Integer(), server_default='0', nullable=False))
    op.add_column('retention_purges', sa.Column('documents_erased', sa.Integer(), server_default='0',
                                                nullable=False))
    for statement in kernel.db.drop_append_only_statements('person_changes', dialect):
        op.execute(statement)
    for statement in kernel.db.append_only_statements('person_changes', dialect, ERASURE):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in kernel.db.drop_append_only_statements('person_changes', dialect):
        op.execute(statement)
    op.drop_column('retention_purges', 'documents_erased')
    op.drop_column('retention_purges', 'changes_erased')
    op.drop_column('documents', 'erased_at')
    op.drop_column('person_changes', 'erased_at')
    for statement in kernel.db.append_only_statements('person_changes', dialect):
        op.execute(statement)
