from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs.crc import chafon_crc, gen2_crc, r2000_check, tm_crc, tm_crc_reference

CHECK = b"123456789"


def test_tm_crc_check_value():
    assert tm_crc(CHECK) == 0xA69D
    assert tm_crc_reference(CHECK) == 0xA69D


def test_tm_crc_is_not_ccitt_false():
    assert tm_crc(CHECK) != 0x29B1  # protocols.md section 0: CRC-16/CCITT-FALSE gives 0x29B1


def test_r2000_check_value():
    assert r2000_check(CHECK) == 0x23


def test_gen2_crc_check_value():
    assert gen2_crc(CHECK) == 0xD64E


def test_chafon_crc_check_value():
    assert chafon_crc(CHECK) == 0x6F91


def test_gen2_crc_of_a_real_tag_record():
    # protocols.md 1.5: PC 3000 + EPC ...1545 carries tag CRC E9 4A.
    assert gen2_crc(bytes.fromhex("3000000000000000000000001545")) == 0xE94A


@given(st.binary(max_size=300))
def test_tm_crc_fast_form_equals_the_nibble_loop(data):
    assert tm_crc(data) == tm_crc_reference(data)


@given(st.binary(max_size=300))
def test_r2000_check_makes_the_frame_sum_zero(data):
    assert (sum(data) + r2000_check(data)) & 0xFF == 0
