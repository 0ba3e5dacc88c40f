"""Sans-IO session for ThingMagic Mercury modules (protocols.md 1.1, 1.4-1.6, 6b).

Probe with VERSION, check the running program (boot the firmware from the bootloader), set
Gen2, region, read power, antennas, disable the read filter, then start continuous reading
(0x2F) and turn streamed 0x22 records into tag reads. A 0x04 frame that nobody asked for is the
module's boot message: re-initialise and restart the stream.
"""

from __future__ import annotations

from scanner.codecs import CodecError
from scanner.codecs import mercury as m
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.uhf_actions import Action, ReaderFault, Ready, TagSeen
from scanner.protocols.uhf_session import Event, ScriptedSession, State, Step

_BOOTLOADER = 1  # 1.1: (program & 0x3) == 1 means the bootloader is running
_STOP_NAME = "stop continuous read"


class MercurySession(ScriptedSession[m.MercuryFrame]):
    """One connection to a Mercury module, from probe to stop."""

    def __init__(self, rfid: RfidSettings) -> None:
        super().__init__(rfid.response_timeout_s, rfid.stream_timeout_s)
        self._framer = m.MercuryFramer(responses=True)
        self.version: m.MercuryVersion | None = None
        self._saw_stream = False
        self._stop_planned = False
        # Built now, so a bad region or antenna list fails when the session is made.
        self._config = [
            Step("SET_TAG_PROTOCOL", m.encode_set_tag_protocol(), m.OP_SET_TAG_PROTOCOL),
            Step("SET_REGION", m.encode_set_region(rfid.region), m.OP_SET_REGION),
            Step(
                "SET_READ_TX_POWER",
                m.encode_set_read_power(round(rfid.power_dbm * 100)),
                m.OP_SET_READ_TX_POWER,
            ),
            Step("SET_ANTENNA_PORT", m.encode_set_antennas(rfid.ports()), m.OP_SET_ANTENNA_PORT),
            Step(
                "SET_READER_OPTIONAL_PARAMS",
                m.encode_set_read_filter(enabled=False),
                m.OP_SET_READER_OPTIONAL_PARAMS,
            ),
        ]

    def receive(self, frame: m.MercuryFrame, now: float) -> list[Action]:
        """One frame from the module."""
        state, pending = self.table.state, self.pending
        if state is State.STREAMING and frame.opcode == m.OP_READ_TAG_ID_MULTIPLE:
            return self._stream(frame, now)  # the hot path: one tag record after another
        awaiting = state in (State.PROBING, State.CONFIGURING, State.STARTING)
        expected = pending.reply if pending and awaiting else None
        if frame.opcode == m.OP_BOOT_FIRMWARE and expected != m.OP_BOOT_FIRMWARE:
            return self._boot(now)
        if state in (State.STREAMING, State.STOPPING):
            return self._stream(frame, now)
        if state is State.STARTING and frame.opcode == m.OP_READ_TAG_ID_MULTIPLE:
            # Records before the acknowledgement: the stream is running anyway.
            return [*self._started(now), *self._stream(frame, now)]
        if expected is not None and frame.opcode == expected:
            return self._reply(frame, now)
        if frame.opcode in (0x22, 0x2F) and state in (State.PROBING, State.CONFIGURING):
            self._stream_left_running(state)
        self.table.ignored += 1
        return []

    def _stream_left_running(self, state: State) -> None:
        # An earlier session left the module streaming: stop it before configuring it.
        if state is State.PROBING:
            self._saw_stream = True
        elif not self._stop_planned:
            self._stop_planned = True
            self._steps.insert(0, _stop_step())

    def _boot(self, now: float) -> list[Action]:
        if not self.table.can(Event.BOOT):
            self.table.ignored += 1
            return []
        if self.state is State.PROBING:
            self._saw_stream = False
            self.table.go(Event.BOOT)
            return self._probe(now)  # the module just came up: ask again at once
        return self._rebooted("the module sent its boot message", now)

    def _reply(self, frame: m.MercuryFrame, now: float) -> list[Action]:
        pending = self.pending
        if pending is None or self.state is State.PROBING:
            return self._probe_reply(frame, now)
        status = frame.status or m.STATUS_OK
        # Stopping a stream left running is best effort: "not streaming" is fine too.
        if status != m.STATUS_OK and pending.name != _STOP_NAME:
            self.table.go(Event.REFUSED)
            return [ReaderFault(f"{pending.name} refused: {m.status_text(status)}", fatal=True)]
        if self.state is State.STARTING:
            return self._started(now)
        program = frame.data[0] if frame.data else 0
        if pending.reply == m.OP_GET_CURRENT_PROGRAM and program & 0x03 == _BOOTLOADER:
            boot = m.encode_command(m.OP_BOOT_FIRMWARE)
            self._steps.insert(0, Step("BOOT_FIRMWARE", boot, m.OP_BOOT_FIRMWARE))
        return self._answered(now)

    def _probe_reply(self, frame: m.MercuryFrame, now: float) -> list[Action]:
        try:
            self.version = m.decode_version(frame.data)
        except CodecError:
            self.version = None  # an odd version block still proves the module is there
        return self._probed(now)

    def _started(self, now: float) -> list[Action]:
        self.table.go(Event.STREAM_STARTED)
        self.pending = None
        self.table.deadline = now + self.stream_timeout_s  # keep-alives must keep coming
        return [Ready(self._describe())]

    def _stream(self, frame: m.MercuryFrame, now: float) -> list[Action]:
        self.table.deadline = now + (
            self.stream_timeout_s if self.state is State.STREAMING else self.response_timeout_s
        )
        if frame.opcode == m.OP_MULTI_PROTOCOL_TAG_OP:
            if self.state is State.STOPPING and frame.data[:1] == bytes([m.CONTINUOUS_STOP]):
                self.table.go(Event.STOP_DONE)
            return []
        if frame.opcode != m.OP_READ_TAG_ID_MULTIPLE:
            self.table.ignored += 1
            return []
        status = frame.status or m.STATUS_OK
        if status == m.STATUS_NO_TAGS:
            return []  # keep-alive while no tag is in the field
        if status != m.STATUS_OK:
            return [ReaderFault(f"the module reports {m.status_text(status)}")]
        try:
            tag = m.decode_tag_record(frame)
        except CodecError as err:
            return [ReaderFault(f"unreadable tag record: {err}")]
        if tag is None:
            return []
        return [TagSeen(tag.epc_hex, tag.antenna, float(tag.rssi), tag.pc)]

    def _describe(self) -> str:
        if self.version is None:
            return "Mercury module"
        v = self.version
        firmware = ".".join(f"{b:02X}" for b in v.firmware_version)
        return f"Mercury module 0x{v.model:02X}, firmware {firmware}"

    def _probe_step(self) -> Step:
        return Step("VERSION", m.encode_command(m.OP_VERSION), m.OP_VERSION)

    def _setup_steps(self) -> list[Step]:
        steps = [_stop_step()] if self._saw_stream else []
        self._stop_planned, self._saw_stream = self._saw_stream, False
        program = m.encode_command(m.OP_GET_CURRENT_PROGRAM)
        steps.append(Step("GET_CURRENT_PROGRAM", program, m.OP_GET_CURRENT_PROGRAM))
        return [*steps, *self._config]

    def _start_stream(self, now: float) -> list[Action]:
        start = m.encode_start_continuous()
        return self._send(Step("start continuous read", start, m.OP_MULTI_PROTOCOL_TAG_OP), now)

    def _stop_stream(self, now: float) -> list[Action]:
        return self._send(_stop_step(), now)


def _stop_step() -> Step:
    return Step(_STOP_NAME, m.encode_stop_continuous(), m.OP_MULTI_PROTOCOL_TAG_OP)
