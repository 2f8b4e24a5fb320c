"""notify: stored template overrides from ``{name}`` to Jinja2's ``{{ name }}`` (issue 10, templates)

Until 0042 templates were rendered by a hand-written ``{name}`` substitution; they are now Jinja2
templates (sandboxed, strict undefined). Every ``{name}`` whose name matches the old placeholder
pattern becomes ``{{ name }}``; nothing else is touched (the old renderer refused any other brace,
so a stored row has no other). The downgrade turns ``{{ name }}`` back.

Revision ID: 0042
Revises: 0041
Create Date: 2026-11-26 16:40:00
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None

#: the old renderer's placeholder: ``{name}``, not already part of ``{{``/``}}``
OLD = re.compile(r"(?<!\{)\{([a-z][a-z0-9_]{0,39})\}(?!\})")
NEW = re.compile(r"\{\{ ([a-z][a-z0-9_]{0,39}) \}\}")

_templates = sa.table("templates", sa.column("id", sa.String), sa.column("subject", sa.String),
                      sa.column("body", sa.Text))


def to_jinja(text):
    return OLD.sub(r"{{ \1 }}", text) if text else text


def to_braces(text):
    return NEW.sub(r"{\1}", text) if text else text


def _convert(fn) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_templates.c.id, _templates.c.subject, _templates.c.body)).all()
    for id_, subject, body in rows:
        new_subject, new_body = fn(subject), fn(body)
        if (new_subject, new_body) != (subject, body):
            bind.execute(_templates.update().where(_templates.c.id == id_)
                         .values(subject=new_subject, body=new_body))


def upgrade() -> None:
    _convert(to_jinja)


def downgrade() -> None:
    _convert(to_braces)
