"""AIM symbology identifiers (ISO/IEC 15424, `]cm`), shared by wands, HID wedges and cameras
so every source names a symbology the same way (protocols.md section 5.2)."""

from __future__ import annotations

import re

_AIM = re.compile(r"^\]([A-Za-z])([0-9A-Za-z])")

# (code character, modifier) -> symbology; a None modifier covers every modifier of the code.
_TABLE: dict[tuple[str, str | None], str] = {
    ("C", "1"): "gs1-128",
    ("C", None): "code128",
    ("E", "4"): "ean8",
    ("E", None): "ean13",
    ("e", None): "gs1-databar",
    ("I", None): "itf",
    ("A", None): "code39",
    ("F", None): "codabar",
    ("G", None): "code93",
    ("L", None): "pdf417",
    ("d", "2"): "gs1-datamatrix",
    ("d", None): "datamatrix",
    ("Q", "3"): "gs1-qr",
    ("Q", "4"): "gs1-qr",
    ("Q", None): "qr",
    ("z", None): "aztec",
    ("X", None): "unknown",
}

# AIM identifiers whose data are GS1 element strings (FNC1 in first position).
GS1_AIMS = frozenset({"]C1", "]e0", "]d2", "]Q3", "]Q4"})


def split_aim(text: str) -> tuple[str | None, str]:
    """`"]C1(data)"` -> `("]C1", "(data)")`; text without an AIM prefix -> `(None, text)`."""
    match = _AIM.match(text)
    if not match:
        return None, text
    return match.group(0), text[3:]


def symbology_for_aim(aim: str | None) -> str | None:
    """The symbology name for an AIM identifier, or None when there is none or it is unknown."""
    if not aim or len(aim) != 3:
        return None
    code, modifier = aim[1], aim[2]
    return _TABLE.get((code, modifier)) or _TABLE.get((code, None))
