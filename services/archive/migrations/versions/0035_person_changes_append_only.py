"""archive: the contact-change history (person_changes, 联系方式/人员变更记录) append-only in the
database itself, as the access log is (revision 0033): a trigger refuses every UPDATE and DELETE,
on SQLite and PostgreSQL (``kernel.db.append_only_statements``).

Revision ID: 0035
Revises: 0034
"""
from alembic import op
import kernel.db


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in kernel.db.append_only_statements('person_changes', op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS person_changes_append_only ON person_changes')
        op.execute('DROP FUNCTION IF EXISTS person_changes_append_only()')
    else:
        op.execute('DROP TRIGGER IF EXISTS person_changes_no_update')
        op.execute('DROP TRIGGER IF EXISTS person_changes_no_delete')
