"""Barcode symbols as module grids, written by zxing-cpp (the library the camera decoder also
reads with): Code 128 and QR of the asset tag, GS1 DataMatrix of (8004) GIAI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import zxingcpp

Symbology = Literal["code128", "qr", "gs1-datamatrix"]
SYMBOLOGIES: tuple[Symbology, ...] = ("code128", "qr", "gs1-datamatrix")
# Quiet zone in modules each side: ISO/IEC 15417 (Code 128) 10X, ISO/IEC 18004 (QR) 4X,
# ISO/IEC 16022 (Data Matrix) 1X (we give 2: printers bleed).
QUIET = {"code128": 10, "qr": 4, "gs1-datamatrix": 2}


class SymbolError(ValueError):
    """The content cannot be written in that symbology."""


@dataclass(frozen=True)
class Symbol:
    """A symbol's dark modules: `rows` of booleans (one row for a linear symbol)."""

    symbology: Symbology
    text: str
    rows: tuple[tuple[bool, ...], ...]

    @property
    def linear(self) -> bool:
        """One row of bars (Code 128) rather than a grid."""
        return self.symbology == "code128"

    @property
    def width(self) -> int:
        """Modules across, without quiet zones."""
        return len(self.rows[0])

    @property
    def height(self) -> int:
        """Modules down (1 for a linear symbol)."""
        return len(self.rows)

    def runs(self, row: int) -> list[tuple[int, int]]:
        """(first module, length) of each dark run in `row`, for drawing bars as rectangles."""
        out: list[tuple[int, int]] = []
        start = None
        for i, dark in enumerate((*self.rows[row], False)):
            if dark and start is None:
                start = i
            elif not dark and start is not None:
                out.append((start, i - start))
                start = None
        return out


def make_symbol(symbology: Symbology, text: str) -> Symbol:
    """The symbol of `text`: for `gs1-datamatrix`, `text` is a GS1 element string in HRI form
    such as "(8004)0614141123"."""
    formats = {
        "code128": zxingcpp.BarcodeFormat.Code128,
        "qr": zxingcpp.BarcodeFormat.QRCode,
        "gs1-datamatrix": zxingcpp.BarcodeFormat.DataMatrix,
    }
    options = {"gs1": True} if symbology == "gs1-datamatrix" else {}
    try:
        barcode = zxingcpp.create_barcode(text, formats[symbology], **options)
    except (ValueError, RuntimeError) as err:
        raise SymbolError(f"cannot write {text!r} as {symbology}: {err}") from err
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False, add_hrt=False))
    dark = image < 128
    if symbology == "code128":
        dark = dark[:1]
    return Symbol(symbology, text, tuple(tuple(bool(v) for v in row) for row in dark))
