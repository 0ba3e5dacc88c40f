"""EPC decoding and encoding: the shared known-answer vectors, strictness, raw EPCs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from shared.identifiers import (
    IdentifierError,
    decode_epc,
    encode_giai,
    encode_grai,
    encode_sgtin,
    encode_uri,
    identify,
)

# The public known answers (GS1 TDS examples and kin), kept with the tests so they always run.
VECTORS = Path(__file__).with_name("data") / "epc_vectors.tsv"


def _vectors() -> list[dict[str, str]]:
    with VECTORS.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) >= 15, f"{VECTORS} lost its vectors"
    return rows


def _bits(*fields: tuple[int, int], total: int = 96) -> str:
    """Hex of (value, width) fields packed MSB first and zero-padded to `total` bits."""
    value = used = 0
    for field, width in fields:
        value, used = value << width | field, used + width
    return f"{value << (total - used):0{total // 4}X}"


def test_epc_vectors_decode_to_their_uri_and_reencode_to_the_same_hex():
    for row in _vectors():
        identity = decode_epc(row["hex"])
        assert identity.epc_uri == row["expected_pure_identity_uri"], row
        assert identity.tag_uri is not None
        assert identity.tag_uri.startswith(f"urn:epc:tag:{row['scheme']}:")
        assert encode_uri(identity.tag_uri) == row["hex"], row
        assert encode_uri(identity.epc_uri, row["scheme"], identity.filter or 0) == row["hex"]


def test_epc_vectors_are_detected_by_identify_without_symbology():
    for row in _vectors():
        identity = identify(row["hex"].lower())
        assert identity.epc_uri == row["expected_pure_identity_uri"]
        assert identity.code == row["hex"].lower()
        assert identity.key == identify(row["hex"]).key


def test_epc_giai_96_and_202_of_one_asset_share_key_and_element_string():
    short = decode_epc("3434257BF400000000BC6038")
    long = decode_epc("3834257BF58B266D1AB460C00000000000000000000000000000")
    assert short.key == long.key == "8004/061414112345400"
    assert short.element_string == long.element_string == "(8004)061414112345400"
    assert (short.bits, long.bits) == (96, 202)
    assert short.tag_uri == "urn:epc:tag:giai-96:1.0614141.12345400"


def test_epc_alphanumeric_fields_are_percent_escaped_in_uri_and_key():
    identity = decode_epc("3814257BF58C1858D7C400000000000000000000000000000000")
    assert identity.epc_uri == "urn:epc:id:giai:0614141.1ABc%2FD"
    assert identity.ais == {"8004": "06141411ABc/D"}
    assert identity.key == "8004/06141411ABc%2FD"


def test_epc_grai_with_empty_asset_type_keeps_two_dots_and_its_check_digit():
    identity = decode_epc("3300393243FF740000000000")
    assert identity.epc_uri == "urn:epc:id:grai:061414113245..0"
    assert identity.ais == {"8003": "006141411324540"}
    assert identity.key == "8003/006141411324540"


def test_epc_sgln_extension_zero_is_the_bare_gln():
    with_ext = decode_epc("3234257BF460720000000190")
    assert with_ext.key == "414/0614141123452/254/400"
    assert with_ext.role == "location"
    bare = decode_epc(encode_uri("urn:epc:tag:sgln-96:0.0614141.12345.0"))
    assert bare.key == "414/0614141123452"
    assert bare.ais == {"414": "0614141123452"}


def test_epc_reserved_filter_values_are_kept_in_the_tag_uri():
    identity = decode_epc(encode_giai("0614141", "12345400", filter=5))
    assert identity.filter == 5
    assert identity.tag_uri == "urn:epc:tag:giai-96:5.0614141.12345400"
    assert identity.epc_uri == "urn:epc:id:giai:0614141.12345400"


def test_epc_trailing_zero_word_is_accepted_and_nonzero_padding_refused():
    assert decode_epc("3434257BF400000000BC60380000").epc_uri == (
        "urn:epc:id:giai:0614141.12345400"
    )
    with pytest.raises(IdentifierError, match="non-zero bits after the end"):
        decode_epc("3434257BF400000000BC60380001")


def test_epc_tid_and_other_headers_are_raw_not_guessed():
    tid = identify("e2801160600002092c5a1b2c", "epc")
    assert (tid.scheme, tid.key, tid.epc_uri) == ("raw-epc", "epc/E2801160600002092C5A1B2C", None)
    assert tid.tag_uri == "urn:epc:raw:96.xE2801160600002092C5A1B2C"
    gid = identify("350000000000000000000001")
    assert (gid.scheme, gid.key) == ("raw-epc", "epc/350000000000000000000001")
    # without symbology a hex string whose header is not an EPC header is a plain label
    assert identify("E2801160600002092C5A1B2C").scheme == "label"


def test_epc_toggled_pc_word_means_raw_and_pc_length_trims_padding():
    hex_text = "3434257BF400000000BC6038"
    assert identify(hex_text, "epc", pc=0x3000).scheme == "giai"
    raw = identify(hex_text, "epc", pc=0x3100)
    assert (raw.scheme, raw.key) == ("raw-epc", f"epc/{hex_text}")
    assert decode_epc(hex_text + "FFFF", pc=0x3000).epc_uri == "urn:epc:id:giai:0614141.12345400"
    with pytest.raises(IdentifierError, match="PC word announces 7 words"):
        decode_epc(hex_text, pc=0x3800)


@pytest.mark.parametrize(
    ("hex_text", "reason"),
    [
        ("341C257BF400000000BC6038", "partition 7 is invalid in GIAI-96"),
        (
            _bits((0x34, 8), (0, 3), (0, 3), ((1 << 40) - 1, 40)),
            "company prefix 1099511627775 overflows its 12 digits",
        ),
        (
            _bits((0x30, 8), (0, 3), (5, 3), (614141, 24), ((1 << 20) - 1, 20)),
            "item reference 1048575 overflows its 6 digits",
        ),
        (
            _bits((0x33, 8), (0, 3), (0, 3), (61414113245, 40), (3, 4)),
            "asset type 3 overflows its 0 digits",
        ),
        ("3154257BF4499602D2000001", "SSCC-96 reserved bits must be zero"),
        ("3434257BF400000000BC", "truncated hex: a GIAI-96 EPC needs 96 bits (24 hex digits)"),
        ("3434257BF400000000BC603", "truncated hex: 23 hex digits is not a whole number"),
        ("3834257BF58B266D1AB460C0", "truncated hex: a GIAI-202 EPC needs 202 bits"),
        ("3434257BF400000000BC60ZZ", "non-hex character 'Z' at position 23"),
        (
            _bits((0x38, 8), (0, 3), (5, 3), (614141, 24), (ord("#"), 7), total=208),
            "0x23, which is not in the GS1 character set",
        ),
        (
            _bits(
                (0x38, 8),
                (0, 3),
                (5, 3),
                (614141, 24),
                (ord("A"), 7),
                (0, 7),
                (ord("B"), 7),
                total=208,
            ),
            "non-zero bits after its end",
        ),
        (
            _bits((0x38, 8), (0, 3), (5, 3), (614141, 24), total=208),
            "GIAI-202 asset reference is empty",
        ),
        (
            _bits((0x36, 8), (0, 3), (5, 3), (614141, 24), (12345, 20), total=208),
            "SGTIN-198 serial is empty",
        ),
        ("", "empty code"),
    ],
)
def test_epc_malformed_gives_a_specific_reason(hex_text: str, reason: str):
    with pytest.raises(IdentifierError) as caught:
        identify(hex_text, "epc")
    assert reason in str(caught.value)


def test_epc_encode_giai_grai_sgtin_match_known_hex():
    assert encode_giai("0614141", "12345400", filter=1) == "3434257BF400000000BC6038"
    assert encode_giai("0614141", "1ABc/D", "giai-202") == (
        "3814257BF58C1858D7C400000000000000000000000000000000"
    )
    assert encode_grai("0614141", "12345", "400", filter=5) == "33B4257BF40C0E4000000190"
    assert encode_grai("0614141", "12345", "ABCD1234/", "grai-170") == (
        "3714257BF40C0E60C287118B266D1780000000000000"
    )
    assert encode_sgtin("0614141", "812345", "6789", filter=3) == "3074257BF7194E4000001A85"


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: encode_giai("0614141", "0123"), "leading zero"),
        (lambda: encode_giai("0614141", "9" * 20), "does not fit its 58 bits"),
        (lambda: encode_giai("0614141", "1ABC"), "must be digits"),
        (lambda: encode_giai("061414", "X" * 25, "giai-202"), "25 characters (at most 24)"),
        (lambda: encode_giai("0614141", "A#B", "giai-202"), "'#', not in the GS1 character set"),
        (lambda: encode_giai("06141", "1"), "company prefix '06141' must be 6 to 12 digits"),
        (lambda: encode_giai("0614141", "1", "grai-96"), "not a GIAI scheme"),
        (lambda: encode_giai("0614141", "1", filter=8), "filter value 8 is not 0-7"),
        (lambda: encode_grai("0614141", "1234", "400"), "exactly 5 digits"),
        (lambda: encode_grai("0614141", "12345", str(1 << 38)), "does not fit its 38 bits"),
        (lambda: encode_grai("0614141", "12345", "X" * 17, "grai-170"), "at most 16"),
        (lambda: encode_sgtin("0614141", "812345", "06789"), "leading zero"),
        (lambda: encode_sgtin("0614141", "812345", "1", "sgtin-64"), "cannot encode EPC scheme"),
        (lambda: encode_uri("urn:epc:id:giai:0614141.1"), "needs the binary scheme"),
        (lambda: encode_uri("urn:epc:id:grai:0614141.1", "grai-96"), "3 dot-separated fields"),
        (lambda: encode_uri("urn:epc:id:giai:0614141.1", "grai-96"), "is not a GRAI-96 URI"),
        (lambda: encode_uri("giai:0614141.1", "giai-96"), "is not an urn:epc:id:"),
    ],
)
def test_epc_encode_refuses_values_that_do_not_fit(call, reason: str):
    with pytest.raises(IdentifierError) as caught:
        call()
    assert reason in str(caught.value)
