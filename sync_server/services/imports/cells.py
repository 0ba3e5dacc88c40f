"""Reading an asset import file: its bytes to text, its records with their line numbers, and
the cell formats (dates, amounts, months) that registers use. Pure: no database."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sync_server.services import InvalidInput

_MAX_COST = Decimal("999999999999.99")  # Numeric(14, 2)
_CURRENCY = re.compile(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|[$€£¥\s\u00a0']")


@dataclass(frozen=True)
class RowError:
    """One bad row: its line number in the file (the header is line 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class AssetImportError(InvalidInput):
    """The file has bad rows; `errors` lists every one and nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} bad row(s); nothing imported: {errors[0]}")

    @property
    def detail(self) -> list[dict[str, object]]:
        """The API's `detail`: every bad row as `{"line", "error"}`."""
        return [{"line": e.line, "error": e.reason} for e in self.errors]


def decode_csv_bytes(data: bytes) -> str:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252 as spreadsheets save it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as err:
            reason = f"file is neither UTF-8 nor Windows-1252: {err}"
            raise AssetImportError([RowError(1, reason)]) from err


def _delimiter(header_line: str) -> str:
    # Sniff from the header alone: header names never contain the delimiter, data might.
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of every non-empty record; quoted newlines are kept."""
    text = text.removeprefix("\ufeff")
    first = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise AssetImportError([RowError(start, f"unreadable CSV: {err}")]) from err
        if any(f.strip() for f in fields):
            yield start, fields


def parse_date(text: str) -> date:
    """A purchase date: ISO `YYYY-MM-DD`, optionally followed by a time (Snipe-IT)."""
    head = text.strip().replace("T", " ").split(" ")[0]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", head):
        try:
            return date.fromisoformat(head)
        except ValueError:
            pass
    raise ValueError(f"bad date {text!r}: expected YYYY-MM-DD")


def parse_cost(text: str) -> Decimal:
    """A cost such as `1299.00`, `1,299.00`, `$1,299`, `1.299,50` or `EUR 12,50`."""
    raw = _CURRENCY.sub("", text.strip())
    if "," in raw and "." in raw:
        thousands = "," if raw.rfind(".") > raw.rfind(",") else "."
        raw = raw.replace(thousands, "").replace(",", ".")
    elif "," in raw:
        raw = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else raw
        raw = raw.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", raw) else raw
    try:
        value = Decimal(raw) if re.fullmatch(r"\d+(\.\d+)?", raw) else Decimal("NaN")
    except InvalidOperation:
        value = Decimal("NaN")
    if value.is_nan() or value > _MAX_COST:
        raise ValueError(f"bad cost {text!r}: expected a non-negative amount like 1299.00")
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_months(text: str) -> int:
    """A number of months (warranty, useful life): `36` or `36 months`."""
    match = re.fullmatch(r"(\d{1,4})(\s*months?)?", text.strip(), re.IGNORECASE)
    if match is None:
        raise ValueError(f"bad number of months {text!r}: expected e.g. 36 or 36 months")
    return int(match.group(1))


def parse_warranty(text: str) -> int:
    """Warranty in months: `36` or `36 months`."""
    try:
        return parse_months(text)
    except ValueError:
        raise ValueError(f"bad warranty {text!r}: expected a number of months") from None
