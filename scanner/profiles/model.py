"""The single schema of a hardware profile (contract section 3). Data only: code never
branches on a model name, it reads these fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scanner.profiles.camera import CameraSettings
from scanner.profiles.hid import HidSettings
from scanner.profiles.rfid import RfidSettings
from scanner.profiles.wand import WandSettings


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UsbMatch(_Frozen):
    """How to recognise the device when it is plugged in."""

    vid: str | None = Field(default=None, pattern=r"^[0-9A-F]{4}$")
    pid: str | None = Field(default=None, pattern=r"^[0-9A-F]{4}$")
    port_glob: str | None = None


class SerialSettings(_Frozen):
    """Line settings for a serial or USB CDC device (ignored by a pty, honoured by a UART)."""

    baudrate: int = Field(default=9600, gt=0)
    bytesize: Literal[5, 6, 7, 8] = 8
    parity: Literal["N", "E", "O", "M", "S"] = "N"
    stopbits: Literal[1, 2] = 1
    flow_control: Literal["none", "software", "hardware"] = "none"


class SetupStep(_Frozen):
    """A programming barcode (or command) the user must scan or send to put the device in the
    mode this profile expects, quoted from the vendor's guide."""

    scan: str
    effect: str


class DeviceProfile(_Frozen):
    """One device model, described as data."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    kind: Literal["barcode", "rfid", "camera", "hid"]
    driver: str
    vendor: str
    model: str
    description: str = ""
    reference: str = Field(default="", description="the guide or datasheet the settings come from")
    match: UsbMatch | None = None
    serial: SerialSettings | None = None
    setup: list[SetupStep] = []
    wand: WandSettings | None = None
    rfid: RfidSettings | None = None
    camera: CameraSettings | None = None
    hid: HidSettings | None = None
    quirks: dict[str, bool | int | float | str] = {}
