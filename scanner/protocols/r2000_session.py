"""Sans-IO session for Impinj-R2000 "0xA0" readers (protocols.md 2.1-2.6, 6b).

Probe with 0x72 (firmware version), set region (0x78), output power (0x76) and, for one port,
the work antenna (0x74); then read by issuing real-time inventory (0x89) back to back: the
reader answers each with tag frames and one end-of-round frame and then stops (2.4). With
several ports each round is preceded by 0x74 for the next port. The R2000 sends nothing when it
boots, so a reboot shows as silence: the round's deadline passes, and the session re-probes.
"""

from __future__ import annotations

from scanner.codecs import CodecError
from scanner.codecs import r2000 as r
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.uhf_actions import Action, ReaderFault, Ready, TagSeen
from scanner.protocols.uhf_session import Event, ScriptedSession, State, Step

_ROUND_S = 0.1  # 6b: allow about 100 ms per inventory round


class R2000Session(ScriptedSession[r.R2000Frame]):
    """One connection to an R2000 reader, from probe to stop."""

    def __init__(self, rfid: RfidSettings) -> None:
        super().__init__(rfid.response_timeout_s, rfid.stream_timeout_s)
        self.address = rfid.address
        self.ports = rfid.ports()
        self.repeat = rfid.inventory_repeat
        self.version: tuple[int, int] | None = None
        self._framer = r.R2000Framer()
        self._port_index = 0
        self._round_tags = 0
        power = round(rfid.power_dbm)
        self._config = [
            Step("set region", r.encode_set_region(self.address, rfid.region), r.CMD_SET_REGION),
            Step(
                "set output power",
                r.encode_set_output_power(self.address, [power]),
                r.CMD_SET_OUTPUT_POWER,
            ),
        ]
        if len(self.ports) == 1:
            self._config.append(self._antenna_step(self.ports[0]))

    def receive(self, frame: r.R2000Frame, now: float) -> list[Action]:
        """One frame from the reader."""
        pending = self.pending
        mine = self.address == r.BROADCAST or frame.address == self.address
        if not mine or pending is None or frame.cmd != pending.reply:
            self.table.ignored += 1
            return []
        if self.state is State.PROBING:
            if len(frame.data) >= 2:
                self.version = (frame.data[0], frame.data[1])
            return self._probed(now)
        if self.state is State.CONFIGURING:
            return self._setup_reply(frame, pending, now)
        if self.state in (State.STREAMING, State.STOPPING):
            return self._stream(frame, now)
        self.table.ignored += 1
        return []

    def _setup_reply(self, frame: r.R2000Frame, pending: Step, now: float) -> list[Action]:
        code = frame.data[0] if frame.data else r.FAIL
        if code != r.SUCCESS:
            self.table.go(Event.REFUSED)
            return [ReaderFault(f"{pending.name} refused: {r.error_text(code)}", fatal=True)]
        return self._answered(now)

    def _stream(self, frame: r.R2000Frame, now: float) -> list[Action]:
        if frame.cmd == r.CMD_SET_WORK_ANTENNA:
            code = frame.data[0] if frame.data else r.FAIL
            if self.state is State.STOPPING:
                self.table.go(Event.STOP_DONE)
                return []
            if code != r.SUCCESS:
                self.table.go(Event.REFUSED)
                msg = f"set work antenna refused: {r.error_text(code)}"
                return [ReaderFault(msg, fatal=True)]
            return self._inventory(now)
        try:
            item = r.decode_inventory(frame)
        except CodecError as err:
            return [ReaderFault(f"unreadable inventory frame: {err}")]
        if isinstance(item, r.R2000TagRead):
            self._round_tags += 1
            self.table.deadline = now + self._round_timeout()
            return [TagSeen(item.epc_hex, item.antenna, float(item.rssi), item.pc)]
        return self._round_end(item, now)

    def _round_end(self, end: r.R2000RoundEnd, now: float) -> list[Action]:
        actions: list[Action] = []
        port = self.ports[self._port_index]
        # 6b: a round without tags may end with error 0x36 (no tag) as well as a summary.
        if end.error is not None and end.error != r.NO_TAG:
            actions.append(ReaderFault(f"antenna {port}: {r.error_text(end.error)}"))
        if self.state is State.STOPPING:
            self.table.go(Event.STOP_DONE)
            return actions
        self._round_tags = 0
        if len(self.ports) == 1:
            return [*actions, *self._inventory(now)]
        self._port_index = (self._port_index + 1) % len(self.ports)
        return [*actions, *self._send(self._antenna_step(self.ports[self._port_index]), now)]

    def _inventory(self, now: float) -> list[Action]:
        data = r.encode_real_time_inventory(self.address, self.repeat)
        step = Step("real-time inventory", data, r.CMD_REAL_TIME_INVENTORY)
        actions = self._send(step, now)
        self.table.deadline = now + self._round_timeout()
        return actions

    def _round_timeout(self) -> float:
        return self.response_timeout_s + _ROUND_S * self.repeat

    def _antenna_step(self, port: int) -> Step:
        data = r.encode_set_work_antenna(self.address, port)
        return Step(f"set work antenna {port}", data, r.CMD_SET_WORK_ANTENNA)

    def _describe(self) -> str:
        if self.version is None:
            return "R2000 reader"
        return f"R2000 reader, firmware {self.version[0]}.{self.version[1]}"

    def _probe_step(self) -> Step:
        data = r.encode_frame(self.address, r.CMD_GET_FIRMWARE_VERSION)
        return Step("get firmware version", data, r.CMD_GET_FIRMWARE_VERSION)

    def _setup_steps(self) -> list[Step]:
        return list(self._config)

    def _start_stream(self, now: float) -> list[Action]:
        self.table.go(Event.STREAM_STARTED)
        self._port_index = 0
        ready: list[Action] = [Ready(self._describe())]
        if len(self.ports) == 1:
            return [*ready, *self._inventory(now)]
        return [*ready, *self._send(self._antenna_step(self.ports[0]), now)]

    def _stop_stream(self, now: float) -> list[Action]:
        # A round cannot be interrupted (2.4): the current one ends by itself.
        self.table.deadline = now + self._round_timeout()
        return []
