"""ThingMagic / JADAK Mercury modules (M6e, M6e Micro, M6e Nano, M7e) on a serial port."""

from __future__ import annotations

from scanner.codecs import CodecError
from scanner.drivers.base import DriverError
from scanner.drivers.uhf_base import UhfSerialDriver
from scanner.protocols.mercury_session import MercurySession
from scanner.protocols.uhf_actions import UhfSession


class MercuryDriver(UhfSerialDriver):
    """Continuous reading on a Mercury module: `MercuryDriver(profile, source, station)`."""

    def make_session(self) -> UhfSession:
        """A fresh Mercury session configured from the profile's [rfid] section."""
        try:
            return MercurySession(self.rfid)
        except CodecError as err:
            raise DriverError(f"profile {self.profile.id}: {err}") from err
