"""Profile section for cameras decoding labels."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CameraSettings(BaseModel):
    """Capture size, decode rate and the symbologies to look for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    width: int = Field(default=1280, gt=0)
    height: int = Field(default=720, gt=0)
    decode_hz: float = Field(default=10.0, gt=0)
    symbologies: list[str] = ["code128", "qr", "datamatrix"]
