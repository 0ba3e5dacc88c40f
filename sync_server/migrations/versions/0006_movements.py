"""movements: a partial index on the dock-door crossings (events with a direction)

Revision ID: 0006_movements
Revises: 0005_login_throttle
Create Date: 2026-12-01 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_movements'
down_revision = '0005_login_throttle'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_movement', ['event_time'], unique=False, sqlite_where=sa.text('direction IS NOT NULL'), postgresql_where=sa.text('direction IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_movement', sqlite_where=sa.text('direction IS NOT NULL'), postgresql_where=sa.text('direction IS NOT NULL'))
