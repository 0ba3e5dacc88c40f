"""Profile section for cameras decoding labels."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Symbology names (shared.aim) a camera can look for; `epc` is RFID only.
CameraSymbology = Literal[
    "code128",
    "gs1-128",
    "ean13",
    "ean8",
    "itf",
    "code39",
    "codabar",
    "code93",
    "pdf417",
    "gs1-databar",
    "datamatrix",
    "gs1-datamatrix",
    "qr",
    "gs1-qr",
    "aztec",
]


class CameraSettings(BaseModel):
    """Capture size, decode rate, the symbologies to look for and the live-loop timing."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int = Field(default=1280, gt=0)
    height: int = Field(default=720, gt=0)
    decode_hz: float = Field(default=10.0, gt=0)
    symbologies: list[CameraSymbology] = Field(
        default=["code128", "qr", "datamatrix"], min_length=1
    )
    decode_scale: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="matrix codes (QR, Data Matrix, ...) are looked for in a frame shrunk by this"
        " factor; linear codes always at full size",
    )
    try_rotate: bool = Field(default=True, description="also look for 90/270 degree codes")
    try_invert: bool = Field(default=False, description="also look for light-on-dark codes")
    hold_off_s: float = Field(
        default=2.0, ge=0, description="a code is not reported twice within this time"
    )
    rearm_s: float = Field(
        default=0.5, gt=0, description="a code must be out of view this long to be read again"
    )
    stall_timeout_s: float = Field(
        default=5.0, gt=0, description="no frame for this long: the capture is reopened"
    )
    reconnect_max_s: float = Field(default=30.0, gt=0)
