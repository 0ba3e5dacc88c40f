"""Profile section for serial (RS-232 / USB CDC) barcode wands."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WandSettings(BaseModel):
    """How the wand frames a scan: `[prefix][AIM id][data][suffix][terminator]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    terminator: str = "\r\n"
    prefix: str = ""
    suffix: str = ""
    encoding: str = "latin-1"
    aim_ids: bool = True
    max_line: int = Field(default=4096, gt=0)
