"""asset manufacturer, model number and custom fields (what an import carries)

Revision ID: 0010_asset_import_fields
Revises: 0009_asset_tag_identity
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_asset_import_fields"
down_revision = "0009_asset_tag_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("asset") as batch:
        batch.add_column(
            sa.Column("manufacturer", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True)
        )
        batch.add_column(
            sa.Column("model_number", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True)
        )
        batch.add_column(sa.Column("custom_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("asset") as batch:
        batch.drop_column("custom_fields")
        batch.drop_column("model_number")
        batch.drop_column("manufacturer")
