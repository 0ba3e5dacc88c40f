from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import crc as crc_module
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


def _mcrf4xx_bitwise(data: bytes) -> int:
    """CRC-16/MCRF4XX by its definition (reflected poly 0x1021, init 0xFFFF), bit by bit."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def test_chafon_crc_table_is_the_reflected_ccitt_table():
    # Built again here: the module's copy is made at import, where a broken builder would hide.
    table = crc_module._mcrf4xx_table()
    assert table == crc_module._MCRF4XX_TABLE
    assert len(table) == 256
    assert table[:4] == (0x0000, 0x1189, 0x2312, 0x329B)
    assert (table[0x80], table[0xFF]) == (0x8408, 0x0F78)


@given(st.binary(max_size=300))
def test_chafon_crc_equals_the_bitwise_definition(data):
    assert chafon_crc(data) == _mcrf4xx_bitwise(data)
