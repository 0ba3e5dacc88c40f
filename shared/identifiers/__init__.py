"""Identifier parsing shared by agent and server: GS1 barcodes, EPC tags and plain labels (pure)."""

from __future__ import annotations

from shared.identifiers._gs1 import check_digit
from shared.identifiers._identify import identify
from shared.identifiers._labels import LabelPatterns
from shared.identifiers._model import IdentifierError, Identity, Role, Scheme

__all__ = [
    "IdentifierError",
    "Identity",
    "LabelPatterns",
    "Role",
    "Scheme",
    "check_digit",
    "identify",
]
