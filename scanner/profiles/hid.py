"""Profile section for USB HID keyboard-wedge wands."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class HidSettings(BaseModel):
    """Keyboard layout and terminators of a wedge scanner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    layout: str = "us"
    terminators: list[str] = ["enter", "kpenter"]
    inter_key_timeout_s: float = Field(default=0.08, gt=0)
