"""Labels as ZPL II for Zebra printers (ZPL II Programming Guide): one ^XA..^XZ format per
label with the symbol (^BC Code 128, ^BQ QR, ^BX Data Matrix ECC 200 with FNC1 for GS1), the
human-readable lines (^A0), and for RFID labels ^RFW,H writing the EPC in hex."""

from __future__ import annotations

from collections.abc import Sequence

from sync_server.labels.content import LabelContent
from sync_server.labels.layouts import Layout
from sync_server.labels.symbols import Symbology

DOTS_PER_MM = 8  # 203 dpi printheads
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -.:/()#+,")


def field_hex(text: str) -> str:
    """`text` for a ^FD field under ^FH (escape character `_`): anything but plain letters,
    digits and a little punctuation goes as _XX (its UTF-8 bytes; ^CI28 selects UTF-8), so a
    ^ or ~ in an asset's name can never start a command."""
    return "".join(ch if ch in _SAFE else "".join(f"_{b:02X}" for b in ch.encode()) for ch in text)


def _symbol(content: LabelContent, symbology: Symbology, x: int, y: int, h: int) -> str:
    if symbology == "code128":
        # ^BC mode N: the printer picks the subsets; ^FH lets the tag carry any character.
        return f"^FO{x},{y}^BY2^BCN,{h},N,N,N^FH^FD{field_hex(content.asset_tag)}^FS"
    if symbology == "qr":
        # ^BQ model 2; the field is "<error correction><input mode>,<data>": M level, auto.
        magnification = max(2, min(10, h // 30))
        return f"^FO{x},{y}^BQN,2,{magnification}^FH^FDMA,{field_hex(content.asset_tag)}^FS"
    # ^BX quality 200 (ECC 200); "_" is the escape character, so "_1" is FNC1 (GS1).
    payload = content.payload("gs1-datamatrix")[len("(8004)") :]
    module = max(3, min(12, h // 22))
    return f"^FO{x},{y}^BXN,{module},200,,,,_^FD_18004{payload}^FS"


def label_zpl(content: LabelContent, layout: Layout, symbology: Symbology, rfid: bool) -> str:
    """One label's format; with `rfid`, the EPC is written to the tag (^RFW,H) first."""
    width, height = round(layout.label_w * DOTS_PER_MM), round(layout.label_h * DOTS_PER_MM)
    pad = 2 * DOTS_PER_MM
    out = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}"]
    if rfid:
        if content.epc is None:
            raise ValueError(f"asset {content.asset_tag} has no EPC to encode")
        out.append(f"^RFW,H^FD{content.epc}^FS")
    symbol_h = (height - 2 * pad) // 2 if symbology == "code128" else height - 2 * pad
    out.append(_symbol(content, symbology, pad, pad, symbol_h))
    text_x = pad if symbology == "code128" else pad + symbol_h + pad
    text_y = pad + symbol_h + pad if symbology == "code128" else pad
    for i, line in enumerate(content.lines()):
        size = 28 if i == 0 else 22
        if text_y + size > height - pad // 2:
            break
        out.append(f"^FO{text_x},{text_y}^A0N,{size},{size}^FH^FD{field_hex(line)}^FS")
        text_y += size + 6
    out.append("^XZ")
    return "\n".join(out) + "\n"


def labels_zpl(
    labels: Sequence[LabelContent], layout: Layout, symbology: Symbology, rfid: bool = False
) -> str:
    """Every label's format, one after the other (a roll printer prints them in order)."""
    return "".join(label_zpl(c, layout, symbology, rfid) for c in labels)
