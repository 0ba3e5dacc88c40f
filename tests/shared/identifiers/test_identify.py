"""identify(): barcodes (AIM, GS, HRI, Digital Link), EPCs and plain labels -> one canonical key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.identifiers import IdentifierError, LabelPatterns, identify

GS = "\x1d"
GIAI_KEY = "8004/061414112345400"


@pytest.mark.parametrize(
    ("code", "forced", "symbology"),
    [
        ("]C18004061414112345400", None, "gs1-128"),
        ("]d20109506000134352" + "21ABC123" + GS + "8004061414112345400", None, "gs1-datamatrix"),
        ("]d28004061414112345400" + GS + "21ABC123", None, "gs1-datamatrix"),
        ("]Q38004061414112345400", None, "gs1-qr"),
        ("https://id.example.com/8004/061414112345400", None, None),
        ("HTTPS://assets.example.org/some/prefix/8004/061414112345400?linkType=all", None, None),
        ("(8004)061414112345400", None, None),
        ("]C1(8004)061414112345400", None, "gs1-128"),
        ("]Q1https://id.example.com/8004/061414112345400", None, "qr"),
        # what drivers send: AIM removed, symbology beside the code (names any case)
        ("8004061414112345400", "GS1-128", "gs1-128"),
        ("3434257BF400000000BC6038", None, "epc"),
        ("3434257bf400000000bc6038", "EPC", "epc"),
        ("3834257BF58B266D1AB460C00000000000000000000000000000", None, "epc"),
    ],
)
def test_identify_one_giai_through_every_carrier_gives_one_key(
    code: str, forced: str | None, symbology: str | None
):
    identity = identify(code, forced)
    assert identity.scheme == "giai"
    assert identity.key == GIAI_KEY
    assert identity.ais["8004"] == "061414112345400"
    assert identity.symbology == symbology
    assert identity.code == code


@pytest.mark.parametrize(
    ("codes", "scheme", "key"),
    [
        (
            [
                "]C1800300614141123452400",
                "(8003)00614141123452400",
                "33B4257BF40C0E4000000190",
                "https://id.gs1.org/8003/00614141123452400",
            ],
            "grai",
            "8003/00614141123452400",
        ),
        (
            [
                "]C10180614141123458216789",
                "]d2216789" + GS + "0180614141123458",
                "(01)80614141123458(21)6789",
                "3074257BF7194E4000001A85",
                "https://example.com/01/80614141123458/21/6789",
            ],
            "sgtin",
            "01/80614141123458/21/6789",
        ),
        (
            ["]C100106141412345678908", "3154257BF4499602D2000000", "(00)106141412345678908"],
            "sscc",
            "00/106141412345678908",
        ),
        (
            [
                "]C14140614141123452254400",
                "3234257BF460720000000190",
                "https://id.gs1.org/414/0614141123452/254/400",
            ],
            "sgln",
            "414/0614141123452/254/400",
        ),
        (
            [
                "]C1800300614141123452ABCD1234/",
                "3714257BF40C0E60C287118B266D1780000000000000",
                "https://id.example.com/8003/00614141123452ABCD1234%2F",
            ],
            "grai",
            "8003/00614141123452ABCD1234%2F",
        ),
        (
            [
                "(8004)06141411ABc/D",
                "3814257BF58C1858D7C400000000000000000000000000000000",
                "https://id.example.com/8004/06141411ABc%2FD",
            ],
            "giai",
            "8004/06141411ABc%2FD",
        ),
    ],
)
def test_identify_grai_sgtin_sscc_sgln_keys_agree_across_carriers(codes, scheme, key):
    for code in codes:
        identity = identify(code)
        assert (identity.scheme, identity.key) == (scheme, key), code


def test_identify_gln_label_is_a_location_with_the_bare_gln_key():
    identity = identify("]C14140614141123452")
    assert (identity.scheme, identity.key, identity.role) == (
        "sgln",
        "414/0614141123452",
        "location",
    )


def test_identify_ean13_and_bare_gtin_are_gtin_scheme():
    assert identify("]E05901234123457").key == "01/05901234123457"
    assert identify("5901234123457", "ean13").key == "01/05901234123457"
    assert identify("]C10105901234123457" + "10LOT7").scheme == "gtin"


def test_identify_gs_separated_text_without_aim_is_gs1():
    identity = identify("8004061414112345400" + GS + "21X")
    assert identity.key == GIAI_KEY
    assert identify(GS + "8004061414112345400").key == GIAI_KEY


def test_identify_forced_gs1_symbology_parses_text_without_aim():
    assert identify("8004061414112345400", "gs1-128").key == GIAI_KEY


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (
            "]C1800300614141123450ABC",
            "bad check digit in GRAI (8003) '00614141123450ABC': expected 2, got 0",
        ),
        ("]C1800310614141123452ABC", "GS1 AI (8003) pattern"),
        ("]C10109506000134353", "Invalid GTIN check digit"),
        ("]C100106141412345678900", "Invalid SSCC check digit"),
        ("]C14140614141123453", "Invalid GLN check digit"),
        ("]E05901234123458", "bad check digit in EAN/UPC '5901234123458': expected 7, got 8"),
        ("]C12312345", "unknown AI: no GS1 Application Identifier begins '2312345'"),
        ("(99)12(23)1", "not valid bracketed GS1 text: Unknown GS1 Application Identifier '23'"),
        ("(8003)12", "not valid bracketed GS1 text"),
        ("(8004)", "not valid bracketed GS1 text"),
        ("]C11012345", "GS1 data carries no asset key: found (10)"),
        ("]C1", "GS1 symbol carries no data"),
        ("https://id.example.com/01/09506000134353", "Invalid GTIN check digit"),
        ("   ", "empty code"),
        ("3434257BF400000000BC", "truncated hex"),
    ],
)
def test_identify_malformed_gs1_gives_a_specific_reason(code: str, reason: str):
    symbology = "epc" if code.startswith("3434") else None
    with pytest.raises(IdentifierError) as caught:
        identify(code, symbology)
    assert reason in str(caught.value)


def test_identify_plain_labels_and_control_labels():
    asset = identify("]C0ASSET-000123")
    assert (asset.scheme, asset.key, asset.role, asset.label) == (
        "label",
        "tag/ASSET-000123",
        "asset",
        "ASSET-000123",
    )
    assert asset.symbology == "code128"
    location = identify("LOC:BLDG1-ROOM2")
    assert (location.key, location.role, location.label) == (
        "tag/LOC:BLDG1-ROOM2",
        "location",
        "BLDG1-ROOM2",
    )
    badge = identify("emp:4711")
    assert (badge.role, badge.label) == ("person", "4711")
    assert identify("CMD:CHECKIN").role == "command"
    assert identify("https://example.com/about").scheme == "label"
    assert identify("(555) 123-4567").scheme == "label"
    assert identify("(555)123-4567").scheme == "label"
    assert identify("(800)1").scheme == "label"
    assert identify("https://example.com/docs/01/intro").scheme == "label"
    assert identify("https://example.com/8004/").scheme == "label"
    assert identify("E2801160600002092C5A1B2C").scheme == "label"


def test_identify_label_patterns_are_configurable():
    patterns = LabelPatterns(location_prefix="@", person_prefix="BADGE-", asset_pattern=r"A\d{6}")
    assert identify("@DOCK3", patterns=patterns).role == "location"
    assert identify("BADGE-17", patterns=patterns).label == "17"
    assert identify("A000123", patterns=patterns).role == "asset"
    assert identify("LOC:X", patterns=patterns).role == "unknown"
    assert identify("LOC:", patterns=LabelPatterns()).role == "unknown"


@given(st.from_regex(r"[A-Z]{1,4}-[0-9A-Za-z._ -]{0,30}", fullmatch=True))
def test_identify_plain_text_is_a_label_and_never_an_error(text: str):
    identity = identify(text)
    assert identity.scheme == "label"
    assert identity.key == f"tag/{text.strip()}"


@given(st.text(max_size=60))
def test_identify_arbitrary_text_only_raises_identifier_error(text: str):
    for code in (text, "]C1" + text, "]d2" + text, "(" + text, "https://x.org/8004/" + text):
        try:
            identity = identify(code)
        except IdentifierError as exc:
            assert str(exc)
        else:
            assert identity.key


def test_identify_to_json_has_code_scheme_key_and_epc_uri_for_epcs():
    document = identify("3434257BF400000000BC6038").to_json()
    assert list(document)[:3] == ["code", "scheme", "key"]
    assert document["epc_uri"] == "urn:epc:id:giai:0614141.12345400"
    assert document["ais"] == {"8004": "061414112345400"}
    assert "epc_uri" not in identify("]C18004061414112345400").to_json()


def test_identify_identity_is_hashable_and_comparable():
    first = identify("]C18004061414112345400")
    assert first == identify("]C18004061414112345400")
    assert len({first, identify("]C18004061414112345400"), identify("LOC:A")}) == 2


def test_identify_long_garbage_gives_a_short_reason():
    with pytest.raises(IdentifierError) as caught:
        identify("]C1" + "8004" + "1" * 10_000)
    assert len(str(caught.value)) < 300
    with pytest.raises(IdentifierError, match="EPC too long"):
        identify("30" + "0" * 10_000)


def test_identify_repeated_ai_must_repeat_the_same_value():
    assert identify("]d28004061414112345400" + GS + "8004061414112345400").key == GIAI_KEY
    with pytest.raises(IdentifierError, match=r"AI \(8004\) appears twice with different values"):
        identify("]d28004061414112345400" + GS + "8004061414112345401")
