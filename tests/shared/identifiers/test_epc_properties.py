"""Property tests: our EPC codec against `epcpy` (the oracle), round trips, random input."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.identifiers import IdentifierError, decode_epc, encode_epc, encode_uri, identify

with warnings.catch_warnings():
    # epcpy 0.1.8 has invalid escape sequences in its regex literals (a warning when compiled)
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from epcpy.epc_schemes import giai, grai, sgln, sgtin, sscc
    from epcpy.utils.parsers import hex_to_tag_encodable

_GCP_BITS = {12: 40, 11: 37, 10: 34, 9: 30, 8: 27, 7: 24, 6: 20}


@dataclass(frozen=True)
class Case:
    """One random valid EPC: our field values and epcpy's objects for the same tag."""

    scheme: str
    filter: int
    gcp: str
    second: str
    tail: str | None
    uri: str


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


@st.composite
def cases(draw: st.DrawFn, family: str) -> Case:
    gcp_len = draw(st.integers(6, 12))
    gcp = draw(_digits(gcp_len))
    filter_value = draw(st.integers(0, 7))
    tail: str | None
    if family == "giai":
        bits = 82 - _GCP_BITS[gcp_len]
        second, tail = str(draw(st.integers(0, (1 << bits) - 1))), None
    elif family == "sscc":
        second, tail = draw(_digits(17 - gcp_len)), None
    elif family == "sgln":
        second, tail = draw(_digits(12 - gcp_len)), str(draw(st.integers(0, (1 << 41) - 1)))
    else:
        size = 13 - gcp_len if family == "sgtin" else 12 - gcp_len
        second, tail = draw(_digits(size)), str(draw(st.integers(0, (1 << 38) - 1)))
    fields = ".".join(part for part in (gcp, second, tail) if part is not None)
    uri = f"urn:epc:id:{family}:{fields}"
    return Case(f"{family}-96", filter_value, gcp, second, tail, uri)


_ORACLE = {
    "giai-96": (giai.GIAI, giai.GIAIFilterValue, giai.GIAI.BinaryCodingScheme.GIAI_96),
    "grai-96": (grai.GRAI, grai.GRAIFilterValue, grai.GRAI.BinaryCodingScheme.GRAI_96),
    "sgtin-96": (sgtin.SGTIN, sgtin.SGTINFilterValue, sgtin.SGTIN.BinaryCodingScheme.SGTIN_96),
    "sscc-96": (sscc.SSCC, sscc.SSCCFilterValue, None),
    "sgln-96": (sgln.SGLN, sgln.SGLNFilterValue, sgln.SGLN.BinaryCodingScheme.SGLN_96),
}


def _check_against_epcpy(case: Case) -> None:
    cls, filters, coding = _ORACLE[case.scheme]
    oracle: Any = cls(case.uri)  # the GS1Keyed base type lacks the TagEncodable methods
    kwargs: dict[str, object] = {"filter_value": filters(str(case.filter))}
    if coding is not None:
        kwargs["binary_coding_scheme"] = coding
    oracle_hex = oracle.hex(**kwargs).rjust(24, "0")
    ours_hex = encode_epc(case.scheme, case.gcp, case.second, case.tail, case.filter)
    assert ours_hex == oracle_hex
    decoded = decode_epc(oracle_hex)
    assert decoded.epc_uri == case.uri == hex_to_tag_encodable(oracle_hex).epc_uri
    assert decoded.tag_uri == oracle.tag_uri(**kwargs)
    expected = oracle.gs1_element_string()
    if case.scheme == "sgln-96" and case.tail == "0":
        # extension 0 means the GLN itself (TDS; identifiers.md 1.4): we omit "(254)0", epcpy not
        expected = expected.removesuffix("(254)0")
    assert decoded.element_string == expected
    assert decoded.filter == case.filter


@given(cases("giai"))
def test_epcpy_giai_96_agrees(case: Case):
    _check_against_epcpy(case)


@given(cases("grai"))
def test_epcpy_grai_96_agrees(case: Case):
    _check_against_epcpy(case)


@given(cases("sgtin"))
def test_epcpy_sgtin_96_agrees(case: Case):
    _check_against_epcpy(case)


@given(cases("sscc"))
def test_epcpy_sscc_96_agrees(case: Case):
    _check_against_epcpy(case)


@given(cases("sgln"))
def test_epcpy_sgln_96_agrees(case: Case):
    _check_against_epcpy(case)


_HEADERS = [0x30, 0x31, 0x32, 0x33, 0x34, 0x36, 0x37, 0x38, 0x39]

# TDS 14.5 partition tables of the 96-bit schemes: partition -> (company prefix bits, digits,
# second field bits, digits); then the tail's width (0 for SSCC's 24 reserved zero bits).
_GCP = [(40, 12), (37, 11), (34, 10), (30, 9), (27, 8), (24, 7), (20, 6)]
_SECOND = {
    "sgtin": [(4, 1), (7, 2), (10, 3), (14, 4), (17, 5), (20, 6), (24, 7)],
    "sscc": [(18, 5), (21, 6), (24, 7), (28, 8), (31, 9), (34, 10), (38, 11)],
    "sgln": [(1, 0), (4, 1), (7, 2), (11, 3), (14, 4), (17, 5), (21, 6)],
    "grai": [(4, 0), (7, 1), (10, 2), (14, 3), (17, 4), (20, 5), (24, 6)],
    "giai": [(42, 0), (45, 0), (48, 0), (52, 0), (55, 0), (58, 0), (62, 0)],
}
_HEADER_96 = {"sgtin": 0x30, "sscc": 0x31, "sgln": 0x32, "grai": 0x33, "giai": 0x34}
_TAIL_BITS = {"sgtin": 38, "sscc": 24, "sgln": 41, "grai": 38, "giai": 0}


@dataclass(frozen=True)
class Tag:
    """A valid 96-bit tag built bit by bit, and the URIs it must decode to."""

    hex: str
    uri: str
    tag_uri: str
    filter: int


@st.composite
def tags_96(draw: st.DrawFn, family: str) -> Tag:
    """Any valid tag of `family`-96: every partition, filter value and field range."""
    partition = draw(st.integers(0, 6))
    filter_value = draw(st.integers(0, 7))
    gcp_bits, gcp_digits = _GCP[partition]
    second_bits, second_digits = _SECOND[family][partition]
    gcp = draw(st.integers(0, 10**gcp_digits - 1))
    if family == "giai":  # a number in its bits, written without leading zeros
        second = draw(st.integers(0, (1 << second_bits) - 1))
        second_text = str(second)
    else:
        second = draw(st.integers(0, 10**second_digits - 1))
        second_text = f"{second:0{second_digits}d}" if second_digits else ""
    tail_bits = _TAIL_BITS[family]
    tail = 0 if family == "sscc" else draw(st.integers(0, (1 << tail_bits) - 1))
    value = _HEADER_96[family]
    for field_value, width in ((filter_value, 3), (partition, 3), (gcp, gcp_bits)):
        value = value << width | field_value
    value = (value << second_bits | second) << tail_bits | tail
    parts = [f"{gcp:0{gcp_digits}d}", second_text]
    if family not in ("sscc", "giai"):
        parts.append(str(tail))
    fields = ".".join(parts)
    tag_uri = f"urn:epc:tag:{family}-96:{filter_value}.{fields}"
    return Tag(f"{value:024X}", f"urn:epc:id:{family}:{fields}", tag_uri, filter_value)


@pytest.mark.parametrize("family", list(_HEADER_96))
@given(data=st.data())
def test_epcpy_and_ours_decode_every_valid_96_bit_tag_alike(family: str, data: st.DataObject):
    tag = data.draw(tags_96(family))
    ours = decode_epc(tag.hex)
    theirs: Any = hex_to_tag_encodable(tag.hex)  # neither may refuse a valid tag
    assert ours.epc_uri == theirs.epc_uri == tag.uri
    assert ours.tag_uri == tag.tag_uri
    assert ours.filter == tag.filter
    expected = theirs.gs1_element_string()  # epcpy computes the check digits
    if family == "sgln" and tag.uri.endswith(".0"):
        expected = expected.removesuffix("(254)0")  # extension 0 is the GLN itself (see above)
    assert ours.element_string == expected
    assert encode_uri(tag.tag_uri) == tag.hex


@given(st.binary(max_size=40), st.sampled_from(["epc", None]))
def test_epc_random_bytes_never_crash_the_decoder(data: bytes, symbology: str | None):
    for text in (data.hex(), data.hex().upper()[:-1], data.decode("latin-1")):
        try:
            identity = identify(text, symbology)
        except IdentifierError as exc:
            assert str(exc)
        else:
            assert identity.key


@given(st.sampled_from(_HEADERS), st.binary(min_size=0, max_size=30))
def test_epc_random_tags_with_known_headers_only_raise_identifier_error(header: int, body: bytes):
    try:
        identity = decode_epc(f"{header:02X}{body.hex()}")
    except IdentifierError as exc:
        assert str(exc)
    else:
        assert identity.epc_uri is not None
        assert identity.key == identify(identity.code).key


_GS1_TEXT = st.text(
    alphabet="!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
    min_size=1,
    max_size=16,
)


@given(
    st.integers(6, 12),
    st.data(),
    _GS1_TEXT,
    st.sampled_from(["grai-170", "sgtin-198", "sgln-195", "giai-202"]),
)
def test_epc_alphanumeric_schemes_round_trip(
    gcp_len: int, data: st.DataObject, text: str, scheme: str
):
    gcp = data.draw(_digits(gcp_len))
    if scheme == "giai-202":
        second, tail = text[: 30 - gcp_len], None
    else:
        size = 13 - gcp_len if scheme == "sgtin-198" else 12 - gcp_len
        second, tail = data.draw(_digits(size)), text
    hex_text = encode_epc(scheme, gcp, second, tail, 3)
    identity = decode_epc(hex_text)
    assert identity.tag_uri is not None
    assert encode_uri(identity.tag_uri) == hex_text
    assert identity.filter == 3
    if scheme == "giai-202":
        assert identity.ais == {"8004": gcp + second}
    elif scheme == "grai-170":
        assert identity.ais["8003"].endswith(text)
    elif scheme == "sgtin-198":
        assert identity.ais["21"] == text
    else:  # extension "0" is the GLN itself
        assert identity.ais.get("254", "0") == text


@given(st.binary(min_size=12, max_size=32), st.one_of(st.none(), st.integers(-5, 0x1_0005)))
def test_epc_random_pc_words_only_raise_identifier_error(data: bytes, pc: int | None):
    try:
        identity = identify(f"34{data.hex()}", "epc", pc=pc)
    except IdentifierError as exc:
        assert str(exc)
    else:
        assert identity.scheme in ("giai", "raw-epc")
