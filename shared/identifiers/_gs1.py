"""GS1 keys from AI values: check digits, element strings and the canonical Digital Link key."""

from __future__ import annotations

from urllib.parse import quote

from shared.identifiers._model import IdentifierError, Role, Scheme

# GS1 AI encodable character set 82 (GS1 General Specifications figure 7.11-1).
GS1_CHARSET = frozenset(
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)

# Primary keys in the order that decides which one names the item when a label carries several.
_PRIMARY = ("8004", "8003", "01", "00", "414")


def is_digits(text: str) -> bool:
    """True for a non-empty string of ASCII digits (str.isdigit alone accepts '²')."""
    return text.isascii() and text.isdigit()


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for a string of digits (weights 3,1,... from the right)."""
    weighted_three = sum(map(int, digits[-1::-2]))
    weighted_one = sum(map(int, digits[-2::-2]))
    return str(-(3 * weighted_three + weighted_one) % 10)


def dl_quote(value: str) -> str:
    """Percent-encode an AI value as GS1 Digital Link does in a URI path segment."""
    return quote(value, safe="")


def element_string(ais: dict[str, str]) -> str:
    """The bracketed human-readable form, `(8004)0614141...`, in the dict's order."""
    return "".join(f"({ai}){value}" for ai, value in ais.items())


def check_grai(value: str) -> None:
    """Refuse an AI (8003) value whose fixed leading 0 or check digit (position 14) is wrong."""
    head = value[:14]
    if len(head) < 14 or not is_digits(head):
        raise IdentifierError(f"GRAI (8003) {value!r} must start with 14 digits")
    if head[0] != "0":
        raise IdentifierError(f"GRAI (8003) {value!r} must start with the padding digit 0")
    expected = check_digit(head[1:13])
    if head[13] != expected:
        raise IdentifierError(
            f"bad check digit in GRAI (8003) {value!r}: expected {expected}, got {head[13]}"
        )


def _check_numeric_key(name: str, value: str, length: int) -> None:
    if len(value) != length or not is_digits(value):
        raise IdentifierError(f"{name} {value!r} must be {length} digits")
    expected = check_digit(value[:-1])
    if value[-1] != expected:
        raise IdentifierError(
            f"bad check digit in {name} {value!r}: expected {expected}, got {value[-1]}"
        )


def key_for_ais(ais: dict[str, str]) -> tuple[Scheme, str, Role]:
    """(scheme, canonical key, role) of the primary GS1 key among the AI values."""
    primary = next((ai for ai in _PRIMARY if ai in ais), None)
    if primary is None:
        found = ", ".join(f"({ai})" for ai in ais) or "nothing"
        raise IdentifierError(
            f"GS1 data carries no asset key: found {found}, "
            "expected (8004), (8003), (01), (00) or (414)"
        )
    value = ais[primary]
    if primary == "8004":
        return "giai", f"8004/{dl_quote(value)}", "asset"
    if primary == "8003":
        check_grai(value)
        return "grai", f"8003/{dl_quote(value)}", "asset"
    if primary == "01":
        _check_numeric_key("GTIN (01)", value, 14)
        if "21" in ais:
            return "sgtin", f"01/{value}/21/{dl_quote(ais['21'])}", "asset"
        return "gtin", f"01/{value}", "asset"
    if primary == "00":
        _check_numeric_key("SSCC (00)", value, 18)
        return "sscc", f"00/{value}", "asset"
    _check_numeric_key("GLN (414)", value, 13)
    if "254" in ais:
        return "sgln", f"414/{value}/254/{dl_quote(ais['254'])}", "location"
    return "sgln", f"414/{value}", "location"
