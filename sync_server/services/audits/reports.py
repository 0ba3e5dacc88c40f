"""An audit's report as CSV and as PDF: the audit, the summary counts, then each category's
rows with their evidence (device, operator, time, location) and the resolution in force.

The PDF uses fpdf2 (pure Python, tables that split over pages with repeated headings; see
README). Its built-in fonts cover Latin-1 only, so other characters print as "?"; the CSV keeps
every character. A PDF lists at most PDF_ROWS rows per category and says how many more the CSV
has: a 100,000-row PDF helps no one."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from shared.audits import AssetRow, Reconciliation, UnknownRow
from sync_server.services.audits.schemas import AuditOut

PDF_ROWS = 2000
SECTIONS = (
    ("found", "Found"),
    ("relocated", "Relocated (found in another sublocation)"),
    ("missing", "Missing"),
    ("unexpected", "Unexpected (registered, expected elsewhere)"),
    ("unknown_codes", "Unknown codes"),
    ("weak", "Weak RFID reads (not counted as found)"),
)
COLUMNS = (
    "Category", "Asset tag", "Name", "Code", "Expected location", "Seen location", "Reads",
    "Device", "Operator", "Time", "Source", "RSSI", "Resolution",
)  # fmt: skip


@dataclass(frozen=True)
class Report:
    """What a report shows: the audit, its reconciliation, and resolutions by row."""

    audit: AuditOut
    result: Reconciliation
    resolved: Mapping[str, str]  # asset tag or code -> "action by who"


def _cells(category: str, row: AssetRow | UnknownRow, resolved: Mapping[str, str]) -> list[str]:
    ev = row.evidence
    if isinstance(row, UnknownRow):
        head = ["", "", row.code, "", row.evidence.location or ""]
        mark = resolved.get(row.code, "")
    else:
        head = [row.asset_tag, row.name or "", ev.code if ev else "", row.expected_location or "",
                row.seen_location or ""]  # fmt: skip
        mark = resolved.get(row.asset_tag, "")
    proof = ["", "", "", "", ""]
    if ev is not None:
        rssi = "" if ev.rssi is None else f"{ev.rssi:g}"
        proof = [ev.device_id or "", ev.operator or "", ev.observed_at.isoformat(), ev.source, rssi]
    return [category, *head, str(row.reads), *proof, mark]


def rows(report: Report) -> Iterator[list[str]]:
    """Every category's rows as text cells (COLUMNS)."""
    for name, _ in SECTIONS:
        for row in getattr(report.result, name):
            yield _cells(name, row, report.resolved)


def _header(audit: AuditOut) -> list[tuple[str, str]]:
    closed = audit.closed_at.isoformat() if audit.closed_at else ""
    return [
        ("Audit", audit.id),
        ("Location", audit.location + (" and below" if audit.include_sublocations else "")),
        ("Status", audit.status),
        ("Opened", f"{audit.opened_at.isoformat()} by {audit.opened_by or '?'}"),
        ("Closed", f"{closed} by {audit.closed_by}" if closed else "still open"),
    ]


def to_csv(report: Report) -> str:
    """The report as CSV, in three blocks separated by a blank line: the audit, the counts
    (`Category,Count`), and the rows (COLUMNS)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerows(_header(report.audit))
    w.writerow([])
    w.writerow(["Category", "Count"])
    counts = report.result.counts()
    w.writerows([name, counts[name]] for name in ("expected", *(n for n, _ in SECTIONS)))
    w.writerow([])
    w.writerow(COLUMNS)
    w.writerows(rows(report))
    return out.getvalue()


def _text(value: Any) -> str:
    return str(value).encode("latin-1", "replace").decode("latin-1")


def to_pdf(report: Report) -> bytes:
    """The report as a PDF (A4 landscape)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, _text(f"Audit of {report.audit.location}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for label, value in _header(report.audit):
        pdf.cell(0, 5, _text(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    counts = report.result.counts()
    with pdf.table(col_widths=(60, 20), width=80, align="LEFT", line_height=5) as table:
        table.row(["Category", "Count"])
        for name in ("expected", *(n for n, _ in SECTIONS)):
            table.row([name, str(counts[name])])
    for name, title in SECTIONS:
        _pdf_section(pdf, report, name, title)
    return bytes(pdf.output())


def _pdf_section(pdf: Any, report: Report, name: str, title: str) -> None:
    items = getattr(report.result, name)
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, _text(f"{title}: {len(items)}"), new_x="LMARGIN", new_y="NEXT")
    if not items:
        return
    pdf.set_font("Helvetica", size=7)
    widths = (20, 30, 30, 22, 22, 11, 22, 18, 38, 12, 10, 42)
    with pdf.table(col_widths=widths, line_height=4, repeat_headings=1) as table:
        table.row(list(COLUMNS[1:]))
        for row in items[:PDF_ROWS]:
            table.row([_text(c) for c in _cells(name, row, report.resolved)[1:]])
    if len(items) > PDF_ROWS:
        more = len(items) - PDF_ROWS
        pdf.cell(0, 6, f"... and {more} more rows (the CSV report has them all)")
        pdf.ln(6)
