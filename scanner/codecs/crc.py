"""Checksums used by UHF readers (protocols.md section 0), as pure functions.

Each has a known-answer test on the ASCII check string "123456789". The 0x1021 CRCs run in C
through `binascii.crc_hqx` (protocols.md section 0, "Speed"); the slow reference forms are kept
to prove the identity in tests.
"""

from __future__ import annotations

import binascii

# protocols.md section 0: ThingMagic's nibble table for poly 0x1021.
_TM_TABLE = (
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7,
    0x8108, 0x9129, 0xA14A, 0xB16B, 0xC18C, 0xD1AD, 0xE1CE, 0xF1EF,
)  # fmt: skip

# The augmented-form register that, run over M[:-2], leaves TM_CRC(M) ^ M[-2:] (section 0).
_TM_HQX_INIT = 0x1D0F


def _mcrf4xx_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_MCRF4XX_TABLE = _mcrf4xx_table()


def tm_crc(data: bytes) -> int:
    """ThingMagic Mercury frame CRC over LEN..DATA (frame[1:-2]); check value 0xA69D."""
    if len(data) < 2:
        return tm_crc_reference(data)
    return binascii.crc_hqx(data[:-2], _TM_HQX_INIT) ^ int.from_bytes(data[-2:], "big")


def tm_crc_reference(data: bytes) -> int:
    """The Mercury API's nibble loop (`tm_crc`), bit for bit; slow, for tests and short input."""
    crc = 0xFFFF
    for byte in data:
        crc = (((crc << 4) | (byte >> 4)) ^ _TM_TABLE[crc >> 12]) & 0xFFFF
        crc = (((crc << 4) | (byte & 0x0F)) ^ _TM_TABLE[crc >> 12]) & 0xFFFF
    return crc


def r2000_check(data: bytes) -> int:
    """Impinj-R2000 "0xA0" check byte over Head..last Data byte; check value 0x23."""
    return -sum(data) & 0xFF


def gen2_crc(data: bytes) -> int:
    """EPC Gen2 tag CRC-16 (CRC-16/GENIBUS) over PC + EPC; check value 0xD64E."""
    return binascii.crc_hqx(data, 0xFFFF) ^ 0xFFFF


def chafon_crc(data: bytes) -> int:
    """Chafon CRC-16/MCRF4XX over Len..last Data byte (sent LSB first); check value 0x6F91."""
    crc = 0xFFFF
    table = _MCRF4XX_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc
