"""`identify()`: one scanned code (barcode text, Digital Link URL or EPC hex) -> `Identity`."""

from __future__ import annotations

import re
from dataclasses import replace

from shared.aim import GS1_AIMS, split_aim, symbology_for_aim
from shared.identifiers._barcode import (
    GS,
    looks_like_digital_link,
    looks_like_hri,
    parse_digital_link,
    parse_element_string,
    parse_hri,
)
from shared.identifiers._epc import decode_epc, normalise_hex, raw_identity
from shared.identifiers._epc_tables import KNOWN_HEADERS
from shared.identifiers._gs1 import check_digit, element_string, is_digits, key_for_ais
from shared.identifiers._labels import LabelPatterns
from shared.identifiers._model import IdentifierError, Identity

_GS1_SYMBOLOGIES = frozenset({"gs1-128", "gs1-datamatrix", "gs1-qr", "gs1-databar"})
_GTIN_SYMBOLOGIES = frozenset({"ean13", "ean8"})
ISO_UII = "iso-uii"  # the symbology of a tag read whose PC word has the toggle bit set
_EPC_HEX = re.compile(r"[0-9A-Fa-f]{24,}")


def identify(
    code: str,
    symbology: str | None = None,
    *,
    patterns: LabelPatterns | None = None,
    pc: int | None = None,
) -> Identity:
    """How the system understands `code` (contract section 1); IdentifierError if it cannot.

    `pc` is the tag's PC word when the reader reports it (a toggled PC means not a GS1 EPC).
    Symbology `iso-uii` is a tag read whose PC toggle bit was set (an ISO 15961 AFI/UII): it is
    always `raw-epc`, key `epc/<HEX>`, never decoded as GS1 even when the hex would decode.
    """
    if not code.strip():
        raise IdentifierError("empty code: nothing was scanned")
    symbology = symbology.strip().lower() if symbology else None
    if symbology == ISO_UII:
        return replace(raw_identity(code, normalise_hex(code)), symbology=ISO_UII)
    if symbology == "epc" or (symbology is None and looks_like_epc(code)):
        return decode_epc(code, pc=pc)
    aim, body = split_aim(code)
    symbology = symbology or symbology_for_aim(aim)
    if aim in GS1_AIMS or symbology in _GS1_SYMBOLOGIES:
        # some scanners can be set to send the bracketed form even for GS1 symbols
        ais = parse_hri(body) if looks_like_hri(body) else parse_element_string(body)
        return _from_ais(code, ais, symbology, aim)
    if symbology in _GTIN_SYMBOLOGIES:
        return _from_gtin(code, body, symbology, aim)
    stripped = body.strip()
    if looks_like_hri(stripped):
        return _from_ais(code, parse_hri(stripped), symbology, aim)
    if looks_like_digital_link(stripped):
        return _from_ais(code, parse_digital_link(stripped), symbology, aim)
    if GS in body and is_digits(stripped.lstrip(GS)[:2]):
        return _from_ais(code, parse_element_string(body), symbology, aim)
    return _from_label(code, stripped, symbology, aim, patterns or LabelPatterns())


def looks_like_epc(code: str) -> bool:
    """Hex digits, at least 24 of them, starting with a known EPC header byte."""
    text = code.strip()
    return bool(_EPC_HEX.fullmatch(text)) and int(text[:2], 16) in KNOWN_HEADERS


def _from_ais(code: str, ais: dict[str, str], symbology: str | None, aim: str | None) -> Identity:
    scheme, key, role = key_for_ais(ais)
    return Identity(
        code=code,
        scheme=scheme,
        key=key,
        role=role,
        symbology=symbology,
        aim=aim,
        element_string=element_string(ais),
        ais=ais,
    )


def _from_gtin(code: str, body: str, symbology: str | None, aim: str | None) -> Identity:
    digits = body.strip()
    if not is_digits(digits) or len(digits) not in (8, 12, 13, 14):
        raise IdentifierError(f"EAN/UPC code {digits!r} must be 8, 12, 13 or 14 digits")
    expected = check_digit(digits[:-1])
    if digits[-1] != expected:
        raise IdentifierError(
            f"bad check digit in EAN/UPC {digits!r}: expected {expected}, got {digits[-1]}"
        )
    return _from_ais(code, {"01": digits.zfill(14)}, symbology, aim)


def _from_label(
    code: str, text: str, symbology: str | None, aim: str | None, patterns: LabelPatterns
) -> Identity:
    role, reference = patterns.classify(text)
    return Identity(
        code=code,
        scheme="label",
        key=f"tag/{text}",
        role=role,
        symbology=symbology,
        aim=aim,
        label=reference,
    )
