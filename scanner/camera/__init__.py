"""Camera decoding: the image decoders and the live loop's pure logic (design/camera.md)."""

from scanner.camera.decoder import (
    ALL_SYMBOLOGIES,
    Decoded,
    FrameDecoder,
    StillDecoder,
    ZbarDecoder,
    ZxingDecoder,
    accepts,
    load_zbar,
    to_gray,
)
from scanner.camera.live import RateGate, SightingFilter

__all__ = [
    "ALL_SYMBOLOGIES",
    "Decoded",
    "FrameDecoder",
    "RateGate",
    "SightingFilter",
    "StillDecoder",
    "ZbarDecoder",
    "ZxingDecoder",
    "accepts",
    "load_zbar",
    "to_gray",
]
