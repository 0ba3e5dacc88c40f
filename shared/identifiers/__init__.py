"""Identifier parsing shared by agent and server: GS1 barcodes, EPC tags and plain labels (pure)."""

from __future__ import annotations

from shared.identifiers._epc import decode_epc
from shared.identifiers._epc_encode import (
    encode_epc,
    encode_giai,
    encode_grai,
    encode_sgtin,
    encode_uri,
)
from shared.identifiers._gs1 import check_digit
from shared.identifiers._identify import identify, looks_like_epc
from shared.identifiers._labels import LabelPatterns
from shared.identifiers._model import IdentifierError, Identity, Role, Scheme

__all__ = [
    "IdentifierError",
    "Identity",
    "LabelPatterns",
    "Role",
    "Scheme",
    "check_digit",
    "decode_epc",
    "encode_epc",
    "encode_giai",
    "encode_grai",
    "encode_sgtin",
    "encode_uri",
    "identify",
    "looks_like_epc",
]
