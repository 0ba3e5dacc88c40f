"""The register as a file: CSV (one row per asset, then the total) and PDF (a landscape table
with totals per category and per location). Amounts are decimal strings with two places."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from fpdf import FPDF

from sync_server.money.depreciation import to_decimal
from sync_server.services.money.register import Register, Totals

CSV_HEADER = (
    "asset_tag",
    "name",
    "category",
    "location",
    "method",
    "start",
    "cost",
    "accumulated_depreciation",
    "book_value",
)


def _money(cents: int) -> str:
    return str(to_decimal(cents))


def register_csv(register: Register) -> str:
    """The register as CSV: a header, one line per asset, and a last line `TOTAL`."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for r in register.rows:
        w.writerow(
            (
                r.asset_tag, r.name, r.category or "", r.location or "", r.method or "",
                r.start or "", _money(r.cost), _money(r.accumulated),
                _money(r.book_value),
            )
        )  # fmt: skip
    t = register.totals
    w.writerow(
        ("TOTAL", f"{t.assets} assets", "", "", "", "", _money(t.cost), _money(t.accumulated),
         _money(t.book_value))
    )  # fmt: skip
    return out.getvalue()


_WIDTHS = (34, 70, 34, 30, 40, 22, 27, 27, 27)  # mm, landscape A4 less margins
_LINE = 5.0


def _latin1(text: str) -> str:
    # The PDF's core fonts cover Latin-1 only; anything else prints as "?", never fails.
    return text.encode("latin-1", "replace").decode("latin-1")


def register_pdf(register: Register, title: str = "Fixed-asset register") -> bytes:
    """The register as a PDF: the asset table (repeating its header on each page), then the
    totals, per category and per location."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0, 8, _latin1(f"{title} at {register.as_of.isoformat()}"), new_x="LMARGIN", new_y="NEXT"
    )
    headings = ("Asset tag", "Name", "Category", "Location", "Method", "Start", "Cost",
                "Accum. depr.", "Book value")  # fmt: skip
    _table(pdf, headings, _asset_lines(register))
    for label, groups in (("Category", register.by_category), ("Location", register.by_location)):
        pdf.ln(4)
        lines = [(name, *_amounts(t)) for name, t in groups.items()]
        lines.append(("Total", *_amounts(register.totals)))
        _table(
            pdf,
            (label, "Assets", "Cost", "Accum. depr.", "Book value"),
            lines,
            (80, 25, 35, 35, 35),
        )
    return bytes(pdf.output())


def _amounts(t: Totals) -> tuple[str, str, str, str]:
    return (str(t.assets), _money(t.cost), _money(t.accumulated), _money(t.book_value))


def _asset_lines(register: Register) -> Iterable[tuple[str, ...]]:
    for r in register.rows:
        yield (
            r.asset_tag, r.name, r.category or "", r.location or "", r.method or "",
            r.start or "", _money(r.cost), _money(r.accumulated),
            _money(r.book_value),
        )  # fmt: skip
    t = register.totals
    yield ("Total", f"{t.assets} assets", "", "", "", "", *_amounts(t)[1:])


def _table(
    pdf: FPDF, headings: tuple[str, ...], lines: Iterable[tuple[str, ...]],
    widths: tuple[int, ...] = _WIDTHS,
) -> None:  # fmt: skip
    amounts_from = len(headings) - 3

    def header() -> None:
        pdf.set_font("Helvetica", "B", 8)
        for i, (text, width) in enumerate(zip(headings, widths, strict=True)):
            pdf.cell(width, _LINE, text, border="B", align="R" if i >= amounts_from else "L")
        pdf.ln(_LINE)
        pdf.set_font("Helvetica", "", 8)

    header()
    for line in lines:
        if pdf.will_page_break(_LINE):
            pdf.add_page()
            header()
        for i, (text, width) in enumerate(zip(line, widths, strict=True)):
            clipped = _clip(pdf, _latin1(text), width - 1)
            pdf.cell(width, _LINE, clipped, align="R" if i >= amounts_from else "L")
        pdf.ln(_LINE)


def _clip(pdf: FPDF, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "...") > width:
        text = text[:-1]
    return text + "..."
