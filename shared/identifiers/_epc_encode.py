"""EPC encoding, the inverse of `_epc`: GS1 key fields or an EPC URI -> memory-bank hex."""

from __future__ import annotations

import re
from urllib.parse import unquote

from shared.identifiers._epc import SECOND_NAMES, TAIL_NAMES, EpcParts
from shared.identifiers._epc_tables import BY_NAME, PARTITIONS, Layout
from shared.identifiers._gs1 import GS1_CHARSET, is_digits
from shared.identifiers._model import IdentifierError

_TAG_URI = re.compile(r"urn:epc:tag:([a-z]+-\d+):(\d+)\.(.*)")
_PURE_URI = re.compile(r"urn:epc:id:([a-z]+):(.*)")


def _layout(scheme: str) -> Layout:
    layout = BY_NAME.get(scheme.lower())
    if layout is None:
        names = ", ".join(sorted(BY_NAME))
        raise IdentifierError(f"cannot encode EPC scheme {scheme!r}; known: {names}")
    return layout


def _number(text: str, width: int, field: str, layout: Layout) -> int:
    """A decimal field with no leading zeros that fits `width` bits."""
    if not is_digits(text):
        raise IdentifierError(f"{layout.name.upper()} {field} {text!r} must be digits")
    if len(text) > 1 and text[0] == "0":
        raise IdentifierError(
            f"{layout.name.upper()} {field} {text!r} has a leading zero, which "
            f"{layout.name.upper()} cannot hold (use the alphanumeric scheme)"
        )
    value = int(text)
    if value >= 1 << width:
        raise IdentifierError(
            f"{layout.name.upper()} {field} {text} does not fit its {width} bits "
            f"(max {(1 << width) - 1})"
        )
    return value


def _chars(text: str, width: int, max_chars: int, field: str, layout: Layout) -> int:
    """7-bit characters packed most significant first and NUL-padded to `width` bits."""
    if not text:
        raise IdentifierError(f"{layout.name.upper()} {field} is empty")
    bad = [ch for ch in text if ch not in GS1_CHARSET]
    if bad:
        raise IdentifierError(
            f"{layout.name.upper()} {field} contains {bad[0]!r}, not in the GS1 character set"
        )
    if len(text) > max_chars:
        raise IdentifierError(
            f"{layout.name.upper()} {field} has {len(text)} characters (at most {max_chars})"
        )
    value = 0
    for ch in text:
        value = (value << 7) | ord(ch)
    return value << (width - 7 * len(text))


def _second(parts: EpcParts, width: int, gcp_digits: int) -> int:
    layout, text = parts.layout, parts.second
    field = SECOND_NAMES[layout.scheme]
    if layout.second == "integer":
        return _number(text, width, field, layout)
    if layout.second == "string":
        return _chars(text, width, layout.pair_digits - gcp_digits, field, layout)
    digits = layout.pair_digits - gcp_digits
    if len(text) != digits or (text and not is_digits(text)):
        raise IdentifierError(
            f"{layout.name.upper()} {field} {text!r} must be exactly {digits} digits "
            f"with a {gcp_digits}-digit company prefix"
        )
    return int(text or "0")


def _tail(parts: EpcParts) -> int:
    layout, text = parts.layout, parts.tail
    if layout.tail in ("none", "reserved"):
        if text is not None:
            raise IdentifierError(f"{layout.name.upper()} has no third field, got {text!r}")
        return 0
    field = TAIL_NAMES[layout.scheme]
    if text is None:
        raise IdentifierError(f"{layout.name.upper()} needs a {field}")
    if layout.tail == "integer":
        return _number(text, layout.tail_bits, field, layout)
    return _chars(text, layout.tail_bits, layout.tail_chars, field, layout)


def encode_parts(parts: EpcParts) -> str:
    """Upper-case hex of the EPC, padded with zero bits to whole 16-bit words."""
    layout = parts.layout
    if not 0 <= parts.filter <= 7:
        raise IdentifierError(f"filter value {parts.filter} is not 0-7")
    gcp = parts.company_prefix
    if not (is_digits(gcp) and 6 <= len(gcp) <= 12):
        raise IdentifierError(f"company prefix {gcp!r} must be 6 to 12 digits")
    partition = 12 - len(gcp)
    gcp_bits, gcp_digits = PARTITIONS[partition]
    second_bits = layout.pair_bits - gcp_bits
    value = (layout.header << 3 | parts.filter) << 3 | partition
    value = value << gcp_bits | int(gcp)
    value = value << second_bits | _second(parts, second_bits, gcp_digits)
    value = value << layout.tail_bits | _tail(parts)
    padded = -(-layout.bits // 16) * 16
    return f"{value << (padded - layout.bits):0{padded // 4}X}"


def encode_epc(
    scheme: str, company_prefix: str, second: str, tail: str | None = None, filter: int = 0
) -> str:
    """Hex of a `scheme` EPC (e.g. "sgtin-96") from its URI fields, unescaped."""
    return encode_parts(EpcParts(_layout(scheme), filter, company_prefix, second, tail))


def encode_giai(
    company_prefix: str, asset_ref: str, scheme: str = "giai-96", filter: int = 0
) -> str:
    """Hex of a GIAI-96 or GIAI-202 EPC; refuses an asset reference the scheme cannot hold."""
    return encode_epc(_check_scheme(scheme, "giai"), company_prefix, asset_ref, None, filter)


def encode_grai(
    company_prefix: str, asset_type: str, serial: str, scheme: str = "grai-96", filter: int = 0
) -> str:
    """Hex of a GRAI-96 or GRAI-170 EPC."""
    return encode_epc(_check_scheme(scheme, "grai"), company_prefix, asset_type, serial, filter)


def encode_sgtin(
    company_prefix: str, item_ref: str, serial: str, scheme: str = "sgtin-96", filter: int = 0
) -> str:
    """Hex of an SGTIN-96 or SGTIN-198 EPC; `item_ref` starts with the indicator digit."""
    return encode_epc(_check_scheme(scheme, "sgtin"), company_prefix, item_ref, serial, filter)


def _check_scheme(scheme: str, family: str) -> str:
    if _layout(scheme).scheme != family:
        raise IdentifierError(f"{scheme!r} is not a {family.upper()} scheme")
    return scheme


def encode_uri(uri: str, scheme: str | None = None, filter: int = 0) -> str:
    """Hex of an EPC tag URI, or of a pure-identity URI given the binary `scheme` to use."""
    tag = _TAG_URI.fullmatch(uri.strip())
    if tag:
        scheme, filter, body = tag.group(1), int(tag.group(2)), tag.group(3)
        family = scheme.split("-")[0]
    else:
        pure = _PURE_URI.fullmatch(uri.strip())
        if not pure:
            raise IdentifierError(f"{uri!r} is not an urn:epc:id: or urn:epc:tag: URI")
        if scheme is None:
            raise IdentifierError("a pure-identity URI needs the binary scheme, e.g. giai-96")
        family, body = pure.group(1), pure.group(2)
    layout = _layout(scheme)
    if layout.scheme != family:
        raise IdentifierError(f"{uri!r} is not a {layout.name.upper()} URI")
    expected = 2 if layout.tail in ("none", "reserved") else 3
    # the last field may itself contain dots (alphanumeric serials), so split from the left
    fields = [unquote(part) for part in body.split(".", expected - 1)]
    if len(fields) != expected:
        raise IdentifierError(f"{uri!r} must have {expected} dot-separated fields")
    tail = fields[2] if expected == 3 else None
    return encode_parts(EpcParts(layout, filter, fields[0], fields[1], tail))
