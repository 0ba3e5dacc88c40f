"""Labels as a PDF: sheets or rolls (`layouts.py`), each label a symbol drawn as vector
rectangles (sharp at any printer resolution) and its human-readable lines."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from sync_server.labels.content import LabelContent
from sync_server.labels.layouts import Layout
from sync_server.labels.symbols import QUIET, Symbol, Symbology, make_symbol

PAD = 2.0  # mm kept clear inside each label (die-cut tolerance)
MIN_MODULE = 0.19  # mm: narrower bars do not print reliably at 203 dpi (one dot is 0.125 mm)


class LabelError(ValueError):
    """A label cannot be laid out (the message names the asset and why)."""


def _latin1(text: str) -> str:
    # The core fonts cover Latin-1; anything else prints as "?", never fails.
    return text.encode("latin-1", "replace").decode("latin-1")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = _latin1(text)
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _draw(pdf: FPDF, symbol: Symbol, x: float, y: float, module: float, bar_h: float) -> None:
    quiet = QUIET[symbol.symbology] * module
    for r in range(symbol.height):
        top = y + quiet + r * module if not symbol.linear else y
        height = module if not symbol.linear else bar_h
        for first, length in symbol.runs(r):
            pdf.rect(x + quiet + first * module, top, length * module, height, style="F")


def _text(pdf: FPDF, lines: list[str], x: float, y: float, width: float, bottom: float) -> None:
    sizes = (9, 7, 6)
    for i, line in enumerate(lines):
        size = sizes[min(i, len(sizes) - 1)]
        height = size * 0.3528 * 1.2  # points to mm, with leading
        if y + height > bottom:
            return
        pdf.set_font("Helvetica", "B" if i == 0 else "", size)
        pdf.set_xy(x, y)
        pdf.cell(width, height, _fit(pdf, line, width))
        y += height


def _label(pdf: FPDF, content: LabelContent, symbology: Symbology, x: float, y: float,
           layout: Layout) -> None:  # fmt: skip
    symbol = make_symbol(symbology, content.payload(symbology))
    w, h = layout.label_w - 2 * PAD, layout.label_h - 2 * PAD
    x, y = x + PAD, y + PAD
    total = symbol.width + 2 * QUIET[symbology]
    if symbol.linear:
        module = min(0.5, w / total)
        bar_h = h * 0.5
        if module < MIN_MODULE:
            raise LabelError(
                f"asset {content.asset_tag}: its Code 128 needs {total * MIN_MODULE:.0f} mm, "
                f"the {layout.name} label has {w:.0f} mm; use qr or a wider layout"
            )
        _draw(pdf, symbol, x, y, module, bar_h)
        _text(pdf, content.lines(), x, y + bar_h + 1, w, y + h)
        return
    side = min(h, w * 0.5)
    module = side / total
    if module < MIN_MODULE:
        raise LabelError(
            f"asset {content.asset_tag}: its {symbology} is too dense for {layout.name}"
        )
    _draw(pdf, symbol, x, y + (h - side) / 2, module, 0)
    _text(pdf, content.lines(), x + side + 1, y + 1, w - side - 1, y + h)


def labels_pdf(
    labels: Sequence[LabelContent], layout: Layout, symbology: Symbology, skip: int = 0
) -> bytes:
    """A PDF of `labels` on `layout`, starting `skip` slots into the first sheet (to use up a
    partly used sheet); 422-worthy `LabelError` when one does not fit."""
    pdf = FPDF(unit="mm", format=(layout.page_w, layout.page_h))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0)
    pdf.set_fill_color(0, 0, 0)
    for i, content in enumerate(labels):
        slot = skip + i
        if i == 0 or slot % layout.per_page == 0:
            pdf.add_page()
        x, y = layout.origin(slot)
        _label(pdf, content, symbology, x, y, layout)
    if not labels:
        pdf.add_page()
    return bytes(pdf.output())
