"""Profile `driver` keys to driver classes, imported only when a station uses them."""

from __future__ import annotations

import importlib
from typing import Any

from scanner.drivers.base import DriverError

# key -> "module:Class"; each class is built as Class(profile, source, station).
DRIVERS: dict[str, str] = {
    "serial_wand": "scanner.drivers.barcode_wand:BarcodeWandDriver",
    "hid_wedge": "scanner.drivers.hid_wedge:HidWedgeDriver",
    "camera": "scanner.drivers.camera:CameraDriver",
    "mercury": "scanner.drivers.mercury:MercuryDriver",
    "r2000": "scanner.drivers.r2000:R2000Driver",
    "chafon": "scanner.drivers.chafon:ChafonDriver",
}


def driver_class(key: str) -> Any:
    """The class registered for `key`."""
    try:
        module_name, _, attr = DRIVERS[key].partition(":")
    except KeyError:
        raise DriverError(f"no driver {key!r}; known: {', '.join(sorted(DRIVERS))}") from None
    return getattr(importlib.import_module(module_name), attr)
