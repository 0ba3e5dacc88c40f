"""Profile section for USB HID keyboard-wedge wands."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class HidSettings(BaseModel):
    """Keyboard layout and terminators of a wedge scanner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    layout: Literal["us", "de"] = "us"
    terminators: list[Literal["enter", "kpenter", "tab"]] = ["enter", "kpenter"]
    inter_key_timeout_s: float = Field(default=0.08, gt=0)
    max_length: int = Field(default=4096, gt=0, description="longer scans are dropped")
    aim_ids: bool = Field(default=True, description="the scanner sends AIM ids before the data")
    grab: bool = Field(default=True, description="take the device (EVIOCGRAB) from the console")
    reconnect_max_s: float = Field(default=30.0, gt=0)
