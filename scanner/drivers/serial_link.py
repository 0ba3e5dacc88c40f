"""The one place that opens serial ports: device paths, pty paths and pyserial URLs alike."""

from __future__ import annotations

import asyncio

import serial
import serial_asyncio_fast

from scanner.drivers.base import DriverError
from scanner.profiles.model import SerialSettings

_PARITY = {
    "N": serial.PARITY_NONE,
    "E": serial.PARITY_EVEN,
    "O": serial.PARITY_ODD,
    "M": serial.PARITY_MARK,
    "S": serial.PARITY_SPACE,
}


async def open_serial(
    port: str, settings: SerialSettings | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Open `port` with the profile's line settings; a failure names the port and the rate."""
    line = settings or SerialSettings()
    try:
        return await serial_asyncio_fast.open_serial_connection(
            url=port,
            baudrate=line.baudrate,
            bytesize=line.bytesize,
            parity=_PARITY[line.parity],
            stopbits=line.stopbits,
            xonxoff=line.flow_control == "software",
            rtscts=line.flow_control == "hardware",
            # One reader, one owner: a second agent (or a stale retry loop) must not share
            # the port and steal its replies.
            exclusive=True,
        )
    except (serial.SerialException, OSError, ValueError) as err:
        raise DriverError(f"cannot open {port} at {line.baudrate} baud: {err}") from err
