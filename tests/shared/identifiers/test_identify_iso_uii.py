"""identify(code, "iso-uii"): a tag read whose PC toggle bit was set is raw hex, never GS1."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.identifiers import IdentifierError, encode_giai, identify

GIAI_HEX = encode_giai("0614141", "12345400")  # decodes as GIAI-96 under symbology "epc"


def test_identify_iso_uii_is_raw_even_when_the_hex_decodes_as_giai():
    assert identify(GIAI_HEX, "epc").scheme == "giai"
    ident = identify(GIAI_HEX.lower(), "iso-uii")
    assert ident.scheme == "raw-epc"
    assert ident.key == f"epc/{GIAI_HEX}"
    assert ident.role == "unknown"
    assert ident.symbology == "iso-uii"
    assert ident.ais == {}


def test_identify_iso_uii_symbology_is_case_and_space_insensitive():
    assert identify(GIAI_HEX, " ISO-UII ").key == f"epc/{GIAI_HEX}"


@pytest.mark.parametrize("code", ["not hex at all", "ABC", "ZZ00"])
def test_identify_iso_uii_refuses_text_that_is_not_whole_words_of_hex(code):
    with pytest.raises(IdentifierError):
        identify(code, "iso-uii")


@given(st.binary(min_size=2, max_size=62).filter(lambda b: len(b) % 2 == 0))
def test_identify_iso_uii_any_bank_keeps_its_hex(bank):
    ident = identify(bank.hex(), "iso-uii")
    assert ident.scheme == "raw-epc"
    assert ident.key == f"epc/{bank.hex().upper()}"
