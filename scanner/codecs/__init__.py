"""Pure codecs: bytes in, typed values out. Every decoding failure is a `CodecError`."""

from __future__ import annotations

_HEX_LIMIT = 64


class CodecError(Exception):
    """Bytes a codec cannot decode; the message names the reason and shows the bytes in hex."""

    def __init__(self, reason: str, data: bytes = b"") -> None:
        self.reason = reason
        self.data = bytes(data)
        super().__init__(f"{reason}: {_hex(self.data)}" if data else reason)


def _hex(data: bytes) -> str:
    # Bounded: a 64 KiB garbage burst must not turn into a 128 KiB log line.
    if len(data) <= _HEX_LIMIT:
        return data.hex(" ")
    return f"{data[:_HEX_LIMIT].hex(' ')} ... ({len(data)} bytes)"


__all__ = ["CodecError"]
