"""Chafon UHFReader18 / UHFReader288 / CF-RU5102 readers (and ZK-RFID102 clones) on a serial
port."""

from __future__ import annotations

from scanner.codecs import CodecError
from scanner.drivers.base import DriverError
from scanner.drivers.uhf_base import UhfSerialDriver
from scanner.protocols.chafon_session import ChafonConfig, ChafonSession
from scanner.protocols.uhf_actions import UhfSession


class ChafonDriver(UhfSerialDriver):
    """Answer-mode polling or scan-mode pushes: `ChafonDriver(profile, source, station)`."""

    def make_session(self) -> UhfSession:
        """A fresh Chafon session configured from the profile's [rfid] section and quirks."""
        try:
            config = ChafonConfig.from_profile(self.rfid, self.profile.quirks)
        except CodecError as err:
            raise DriverError(f"profile {self.profile.id}: {err}") from err
        return ChafonSession(config)
