"""EPC decoding: memory-bank hex -> pure-identity URI, tag URI and GS1 element string (strict)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.identifiers._epc_tables import LAYOUTS, PARTITIONS, URI_ESCAPES, Layout
from shared.identifiers._gs1 import GS1_CHARSET, check_digit, element_string, key_for_ais
from shared.identifiers._model import IdentifierError, Identity

_HEX = re.compile(r"[0-9A-Fa-f]*")
_PC_TOGGLE = 0x0100  # bit 17h of the EPC bank: the bank holds an ISO AFI/UII, not a GS1 EPC
_URI_TABLE = str.maketrans(URI_ESCAPES)
_MAX_HEX = 128  # 512 bits: far more than any EPC bank we expect

SECOND_NAMES = {
    "sgtin": "item reference",
    "sscc": "serial reference",
    "sgln": "location reference",
    "grai": "asset type",
    "giai": "asset reference",
}
TAIL_NAMES = {"sgtin": "serial", "sgln": "extension", "grai": "serial", "sscc": "reserved bits"}


@dataclass(frozen=True)
class EpcParts:
    """The decoded fields of a GS1 EPC, as text (the second field zero-padded where numeric)."""

    layout: Layout
    filter: int
    company_prefix: str
    second: str
    tail: str | None


class _Bits:
    """Reads fixed-width unsigned fields, most significant bit first."""

    def __init__(self, value: int, width: int) -> None:
        self._value = value
        self._left = width

    def read(self, width: int) -> int:
        self._left -= width
        return (self._value >> self._left) & ((1 << width) - 1)

    def rest(self) -> int:
        value = self._value & ((1 << self._left) - 1)
        self._left = 0
        return value


def normalise_hex(text: str) -> str:
    """Upper-case EPC hex, refusing anything that is not whole 16-bit words of hex digits."""
    hex_text = text.strip()
    if not hex_text:
        raise IdentifierError("empty EPC: no hex digits")
    if len(hex_text) > _MAX_HEX:
        raise IdentifierError(f"EPC too long: {len(hex_text)} hex digits (at most {_MAX_HEX})")
    if not _HEX.fullmatch(hex_text):
        bad = next(ch for ch in hex_text if not _HEX.fullmatch(ch))
        raise IdentifierError(
            f"EPC must be hexadecimal: non-hex character {bad!r} at position "
            f"{hex_text.index(bad) + 1}"
        )
    if len(hex_text) % 4:
        raise IdentifierError(
            f"truncated hex: {len(hex_text)} hex digits is not a whole number of 16-bit words"
        )
    return hex_text.upper()


def uri_escape(text: str) -> str:
    """Percent-escape exactly the seven characters TDS requires in EPC URIs."""
    return text.translate(_URI_TABLE)


def decode_epc(code: str, *, pc: int | None = None) -> Identity:
    """Identity of an EPC bank read as hex; non-GS1 headers and toggled PC words -> `raw-epc`."""
    hex_text = normalise_hex(code)
    if pc is not None:
        hex_text = _apply_pc(hex_text, pc)
        if pc & _PC_TOGGLE:
            return raw_identity(code, hex_text)
    layout = LAYOUTS.get(int(hex_text[:2], 16))
    if layout is None:
        return raw_identity(code, hex_text)
    return parts_identity(code, decode_parts(hex_text, layout))


def _apply_pc(hex_text: str, pc: int) -> str:
    if not 0 <= pc <= 0xFFFF:
        raise IdentifierError(f"PC word {pc} is not a 16-bit value")
    words = pc >> 11
    if words * 4 > len(hex_text):
        raise IdentifierError(
            f"truncated hex: the PC word announces {words} words, got {len(hex_text) // 4}"
        )
    if words == 0:
        raise IdentifierError("the PC word announces an empty EPC bank")
    return hex_text[: words * 4]


def raw_identity(code: str, hex_text: str) -> Identity:
    """An EPC bank that is not a GS1 EPC, kept as its hex, never guessed at."""
    return Identity(
        code=code,
        scheme="raw-epc",
        key=f"epc/{hex_text}",
        role="unknown",
        symbology="epc",
        tag_uri=f"urn:epc:raw:{len(hex_text) * 4}.x{hex_text}",
        bits=len(hex_text) * 4,
    )


def decode_parts(hex_text: str, layout: Layout) -> EpcParts:
    """Slice the fields of `layout` out of normalised hex, enforcing every TDS constraint."""
    width = len(hex_text) * 4
    if width < layout.bits:
        need = -(-layout.bits // 16) * 4
        raise IdentifierError(
            f"truncated hex: a {layout.name.upper()} EPC needs {layout.bits} bits "
            f"({need} hex digits), got {len(hex_text)} hex digits"
        )
    bits = _Bits(int(hex_text, 16), width)
    bits.read(8)
    filter_value = bits.read(3)
    partition = bits.read(3)
    if partition == 7:
        raise IdentifierError(f"partition 7 is invalid in {layout.name.upper()} (valid: 0-6)")
    gcp_bits, gcp_digits = PARTITIONS[partition]
    company_prefix = _digits(bits.read(gcp_bits), gcp_digits, "company prefix", layout)
    second = _second(bits, layout, layout.pair_bits - gcp_bits, gcp_digits)
    tail = _tail(bits, layout)
    if bits.rest():
        raise IdentifierError(
            f"non-zero bits after the end of the {layout.bits}-bit {layout.name.upper()} EPC"
        )
    return EpcParts(layout, filter_value, company_prefix, second, tail)


def _digits(value: int, digits: int, field: str, layout: Layout) -> str:
    if value >= 10**digits:
        raise IdentifierError(
            f"{layout.name.upper()} {field} {value} overflows its {digits} digits"
        )
    return str(value).zfill(digits) if digits else ""


def _second(bits: _Bits, layout: Layout, width: int, gcp_digits: int) -> str:
    field = SECOND_NAMES[layout.scheme]
    if layout.second == "digits":
        return _digits(bits.read(width), layout.pair_digits - gcp_digits, field, layout)
    if layout.second == "integer":
        return str(bits.read(width))
    return _string(bits, width, layout.pair_digits - gcp_digits, field, layout)


def _tail(bits: _Bits, layout: Layout) -> str | None:
    field = TAIL_NAMES.get(layout.scheme, "")
    if layout.tail == "integer":
        return str(bits.read(layout.tail_bits))
    if layout.tail == "string":
        return _string(bits, layout.tail_bits, layout.tail_chars, field, layout)
    if layout.tail == "reserved" and bits.read(layout.tail_bits):
        raise IdentifierError(f"{layout.name.upper()} reserved bits must be zero")
    return None


def _string(bits: _Bits, width: int, max_chars: int, field: str, layout: Layout) -> str:
    """A NUL-terminated string of 7-bit GS1 characters filling `width` bits."""
    chars: list[str] = []
    used = 0
    while used + 7 <= width:
        code = bits.read(7)
        used += 7
        if code == 0:
            break
        char = chr(code)
        if char not in GS1_CHARSET:
            raise IdentifierError(
                f"{layout.name.upper()} {field} holds character 0x{code:02X}, "
                "which is not in the GS1 character set"
            )
        chars.append(char)
    if (width - used) and bits.read(width - used):
        raise IdentifierError(f"{layout.name.upper()} {field} has non-zero bits after its end")
    if not chars:
        raise IdentifierError(f"{layout.name.upper()} {field} is empty")
    if len(chars) > max_chars:
        raise IdentifierError(
            f"{layout.name.upper()} {field} has {len(chars)} characters (at most {max_chars})"
        )
    return "".join(chars)


def parts_ais(parts: EpcParts) -> dict[str, str]:
    """The GS1 AI values an EPC stands for (check digits recomputed)."""
    gcp, second, tail = parts.company_prefix, parts.second, parts.tail or ""
    scheme = parts.layout.scheme
    if scheme == "giai":
        return {"8004": gcp + second}
    if scheme == "grai":
        body = "0" + gcp + second
        return {"8003": body + check_digit(body) + tail}
    if scheme == "sgln":
        gln = gcp + second
        ais = {"414": gln + check_digit(gln)}
        return ais if tail == "0" else {**ais, "254": tail}
    body = second[:1] + gcp + second[1:]
    if scheme == "sscc":
        return {"00": body + check_digit(body)}
    return {"01": body + check_digit(body), "21": tail}


def parts_uri(parts: EpcParts, *, tag: bool = False) -> str:
    """The pure-identity URI, or with `tag` the tag URI that keeps filter and bit length."""
    fields = [parts.company_prefix, uri_escape(parts.second)]
    if parts.tail is not None:
        fields.append(uri_escape(parts.tail))
    if tag:
        return f"urn:epc:tag:{parts.layout.name}:{parts.filter}." + ".".join(fields)
    return f"urn:epc:id:{parts.layout.scheme}:" + ".".join(fields)


def parts_identity(code: str, parts: EpcParts) -> Identity:
    """The Identity of decoded EPC fields."""
    ais = parts_ais(parts)
    scheme, key, role = key_for_ais(ais)
    return Identity(
        code=code,
        scheme=scheme,
        key=key,
        role=role,
        symbology="epc",
        epc_uri=parts_uri(parts),
        tag_uri=parts_uri(parts, tag=True),
        element_string=element_string(ais),
        ais=ais,
        filter=parts.filter,
        bits=parts.layout.bits,
    )
