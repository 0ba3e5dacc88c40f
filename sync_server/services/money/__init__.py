"""Money services: the depreciation fields of an asset, its schedule and the register report.
The arithmetic is in `sync_server.money` (pure); these modules read and write the database."""

from __future__ import annotations

from sync_server.services.money.fields import apply_money_fields, basis_of

__all__ = ["apply_money_fields", "basis_of"]
