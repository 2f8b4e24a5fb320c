"""archive: one list of document types (档案目录) -- a transfer's documents take the catalogue's names.

Before, a transfer filed transfer_contract, new_property_certificate and old_owner_fee_settlement in
the new household's file while the catalogue (and the uploads) expected transfer_application,
property_certificate and fee_settlement_proof: the file showed both and the catalogue's rows stayed
missing. Each old row is renamed to the catalogue's type; where the file holds the catalogue's row
already (an upload ticked it), the two become one (present if either was, the old row's receipt
kept when the catalogue's was missing) and the ownership record's documents name the row kept.

Revision ID: 0036
Revises: 0035
"""
import json

import sqlalchemy as sa
from alembic import op


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

RENAMED = {"transfer_contract": "transfer_application",
           "new_property_certificate": "property_certificate",
           "old_owner_fee_settlement": "fee_settlement_proof"}


def upgrade() -> None:
    bind = op.get_bind()
    docs = sa.table('file_documents', sa.column('id'), sa.column('household_id'), sa.column('doc_type'),
                    sa.column('status'), sa.column('received_at'), sa.column('received_by'),
                    sa.column('received_by_name'), sa.column('note'))
    ownerships = sa.table('ownerships', sa.column('id'), sa.column('documents'))
    replaced = {}                  # old row id -> the row kept
    for old_type, new_type in RENAMED.items():
        for row in bind.execute(sa.select(docs).where(docs.c.doc_type == old_type)).mappings().all():
            kept = bind.execute(sa.select(docs).where(docs.c.household_id == row['household_id'],
                                                      docs.c.doc_type == new_type)).mappings().first()
            if kept is None:
                bind.execute(docs.update().where(docs.c.id == row['id']).values(doc_type=new_type))
                continue
            if row['status'] == 'present' and kept['status'] != 'present':
                bind.execute(docs.update().where(docs.c.id == kept['id']).values(
                    status='present', received_at=row['received_at'], received_by=row['received_by'],
                    received_by_name=row['received_by_name'], note=kept['note'] or row['note'] or ''))
            bind.execute(docs.delete().where(docs.c.id == row['id']))
            replaced[row['id']] = kept['id']
    for record in bind.execute(sa.select(ownerships).where(ownerships.c.documents.is_not(None))).mappings().all():
        listed = json.loads(record['documents'] or '[]')
        changed = [dict(d, id=replaced.get(d.get('id'), d.get('id')), doc_type=RENAMED.get(d.get('doc_type'),
                                                                                             d.get('doc_type')))
                   for d in listed]
        if changed != listed:
            bind.execute(ownerships.update().where(ownerships.c.id == record['id']).values(
                documents=json.dumps(changed)))


def downgrade() -> None:
    """The names are not given back: the old ones were the bug (the rows merged stay one)."""
