"""Decode one framed wand line: `[prefix][AIM id][data][suffix]` (protocols.md 5.1-5.4).

FNC1 separators arrive as GS (0x1D) and are kept; any other control byte means line noise or a
mis-programmed scanner, and the line is refused rather than guessed at. Pure: no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.codecs import CodecError
from scanner.profiles.wand import WandSettings
from shared.aim import split_aim, symbology_for_aim

GS = "\x1d"


class BarcodeError(CodecError):
    """A wand line that is not a scan: empty, undecodable, or with stray control bytes."""


@dataclass(frozen=True, slots=True)
class BarcodeScan:
    """One decoded scan: the code without AIM prefix (GS kept), its AIM id and symbology."""

    code: str
    aim: str | None
    symbology: str | None


def decode_scan(line: bytes, wand: WandSettings) -> BarcodeScan:
    """The scan in `line` (terminator already removed); BarcodeError if it is not one."""
    body = _strip(line, wand.prefix.encode(wand.encoding), wand.suffix.encode(wand.encoding))
    try:
        text = body.decode(wand.encoding)
    except (UnicodeDecodeError, LookupError) as err:
        raise BarcodeError(f"not {wand.encoding} text ({err.__class__.__name__})", line) from err
    bad = [ch for ch in text if _is_control(ch)]
    if bad:
        raise BarcodeError(f"control byte {ord(bad[0]):#04x} in scan", line)
    aim, code = split_aim(text) if wand.aim_ids else (None, text)
    if not code.strip(GS + " "):
        raise BarcodeError("empty scan", line)
    return BarcodeScan(code=code, aim=aim, symbology=symbology_for_aim(aim))


def _strip(line: bytes, prefix: bytes, suffix: bytes) -> bytes:
    # A missing prefix/suffix is tolerated: a wand reset to defaults still scans.
    if prefix and line.startswith(prefix):
        line = line[len(prefix) :]
    if suffix and line.endswith(suffix):
        line = line[: -len(suffix)]
    return line


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return ch != GS and (code < 0x20 or 0x7F <= code <= 0x9F)
