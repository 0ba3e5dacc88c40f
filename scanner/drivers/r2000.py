"""Impinj-R2000 "0xA0" readers (CLOU, Yanzeo, YR903, IND903, ...) on a serial port."""

from __future__ import annotations

from scanner.codecs import CodecError
from scanner.drivers.base import DriverError
from scanner.drivers.uhf_base import UhfSerialDriver
from scanner.protocols.r2000_session import R2000Session
from scanner.protocols.uhf_actions import UhfSession


class R2000Driver(UhfSerialDriver):
    """Back-to-back real-time inventory: `R2000Driver(profile, source, station)`."""

    def make_session(self) -> UhfSession:
        """A fresh R2000 session configured from the profile's [rfid] section."""
        try:
            return R2000Session(self.rfid)
        except CodecError as err:
            raise DriverError(f"profile {self.profile.id}: {err}") from err
