"""Sans-IO session for Chafon UHFReader18 / UHFReader288 readers (protocols.md 3, 6b).

Probe with 0x21 (reader info; the retry first sends 0x35 Read_mode 00, since a reader left in
scan mode accepts only its mode commands), set RF power (0x2F) and, on the UHFReader18 dialect,
the inventory scan time (0x25). Then either

- *answer mode*: poll inventory (0x01) port after port. A round ends with status 0x01 (0x02,
  0x04), 0x03 means more frames follow, and "no tag" is 0x01 with Num = 0 or 0xFB (6b). The
  wait for a round is tied to ScanTime x 100 ms (6b); or
- *scan mode*: set Read_mode 01 (0x35) and take the 0xEE pushes. Silence there is normal (no
  tag in the field), so after `stream_timeout_s` the session asks for the work mode (0x36):
  a reader that does not answer, or answers in answer mode, has rebooted and is set up again.

Stopping leaves scan mode with 0x35 Read_mode 00 (6b), or lets the current round finish.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

from scanner.codecs import CodecError
from scanner.codecs import chafon as c
from scanner.profiles.rfid import RfidSettings
from scanner.protocols.uhf_actions import Action, ReaderFault, Ready, Send, TagSeen
from scanner.protocols.uhf_session import Event, ScriptedSession, State, Step

Dialect = Literal["uhfreader18", "uhfreader288"]
WorkMode = Literal["answer", "scan"]
PushFormat = Literal["epc", "ant-len-epc-rssi"]
_TAG_STATUSES = (c.STATUS_DONE, c.STATUS_SCAN_TIME_OVERFLOW, c.STATUS_MEMORY_FULL)
_READER_TYPES = {0x03: "CF-RU5102", 0x08: "CF-RU5102", 0x09: "UHFReader18", 0x0C: "UHFReader288M"}


@dataclass(frozen=True, slots=True)
class ChafonConfig:
    """The profile's Chafon settings: `[rfid]` plus the documented quirks."""

    address: int
    ports: tuple[int, ...]
    power_dbm: int
    scan_time: int  # x 100 ms (3.3)
    dialect: Dialect
    mode: WorkMode
    push_format: PushFormat
    rssi_offset_db: float
    q: int
    session: int
    response_timeout_s: float
    stream_timeout_s: float

    @classmethod
    def from_profile(
        cls, rfid: RfidSettings, quirks: Mapping[str, bool | int | float | str]
    ) -> ChafonConfig:
        """Build from a profile; raises ChafonError naming a bad quirk."""
        dialect = _choice(quirks, "chafon_dialect", ("uhfreader18", "uhfreader288"))
        mode = _choice(quirks, "chafon_work_mode", ("answer", "scan"))
        push = _choice(quirks, "chafon_scan_push", ("epc", "ant-len-epc-rssi"))
        scan_time = int(quirks.get("chafon_scan_time", 10))
        ports = tuple(rfid.ports())
        if not 3 <= scan_time <= 255:
            raise c.ChafonError(f"chafon_scan_time {scan_time} outside 3..255 (x 100 ms)")
        if dialect == "uhfreader18" and len(ports) > 1:
            raise c.ChafonError(f"the UHFReader18 inventory reads one antenna, got {ports}")
        if dialect == "uhfreader288" and mode == "scan":
            raise c.ChafonError("scan mode is set with 0x35 on the UHFReader18 dialect only")
        if any(p > 4 for p in ports):
            raise c.ChafonError(f"Chafon antenna ports are 1..4, got {ports}")
        return cls(
            address=rfid.address,
            ports=ports,
            power_dbm=round(rfid.power_dbm),
            scan_time=scan_time,
            dialect=cast(Dialect, dialect),
            mode=cast(WorkMode, mode),
            push_format=cast(PushFormat, push),
            rssi_offset_db=float(quirks.get("chafon_rssi_offset_db", 0.0)),
            q=rfid.q if rfid.q is not None else 4,
            session=rfid.session if rfid.session is not None else 0,
            response_timeout_s=rfid.response_timeout_s,
            stream_timeout_s=rfid.stream_timeout_s,
        )


def _choice(
    quirks: Mapping[str, bool | int | float | str], key: str, allowed: tuple[str, ...]
) -> str:
    value = str(quirks.get(key, allowed[0]))
    if value not in allowed:
        raise c.ChafonError(f"quirk {key} = {value!r}; expected one of {', '.join(allowed)}")
    return value


class ChafonSession(ScriptedSession[c.ChafonFrame]):
    """One connection to a Chafon reader, from probe to stop."""

    def __init__(self, config: ChafonConfig) -> None:
        super().__init__(config.response_timeout_s, config.stream_timeout_s)
        self.config = config
        self.info: c.ChafonReaderInfo | None = None
        self._framer = c.ChafonFramer()
        self._port_index = 0
        self._keepalive = False
        self._left_scan = False
        self.rounds = 0

    # -- input ---------------------------------------------------------------------------
    def receive(self, frame: c.ChafonFrame, now: float) -> list[Action]:
        """One frame from the reader."""
        cfg = self.config
        if cfg.address != c.BROADCAST and frame.address != cfg.address:
            self.table.ignored += 1
            return []
        if frame.cmd == c.RECMD_SCAN_PUSH:
            return self._push(frame, now)
        pending = self.pending
        if pending is None or frame.cmd not in (pending.reply, c.RECMD_UNKNOWN):
            self.table.ignored += 1
            return []
        state = self.state
        if state is State.PROBING:
            return self._probe_reply(frame, now)
        if state is State.CONFIGURING:
            return self._setup_reply(frame, pending, now)
        if state is State.STARTING:
            return self._scan_mode_reply(frame, pending, now)
        if state in (State.STREAMING, State.STOPPING):
            return self._stream_reply(frame, now)
        self.table.ignored += 1
        return []

    def tick(self, now: float) -> list[Action]:
        """Timeouts; in scan mode a silent stream is first asked for its work mode."""
        due = self.table.deadline
        quiet_scan = self.streaming and self.config.mode == "scan" and not self._keepalive
        if due is not None and now >= due and quiet_scan:
            self._keepalive = True
            step = Step("get work mode", self._cmd(c.CMD_GET_WORK_MODE), c.CMD_GET_WORK_MODE)
            return self._send(step, now)
        return super().tick(now)

    # -- replies -------------------------------------------------------------------------
    def _probe_reply(self, frame: c.ChafonFrame, now: float) -> list[Action]:
        if frame.cmd != c.CMD_READER_INFO:
            self.table.ignored += 1
            return []
        try:
            self.info = c.decode_reader_info(frame)
        except CodecError:
            self.info = None  # a short info block still proves the reader is there
        return self._probed(now)

    def _setup_reply(self, frame: c.ChafonFrame, pending: Step, now: float) -> list[Action]:
        if frame.cmd == c.RECMD_UNKNOWN or frame.status != c.STATUS_OK:
            self.table.go(Event.REFUSED)
            why = "not recognised" if frame.cmd == c.RECMD_UNKNOWN else _text(frame.status)
            return [ReaderFault(f"{pending.name} refused: {why}", fatal=True)]
        return self._answered(now)

    def _scan_mode_reply(self, frame: c.ChafonFrame, pending: Step, now: float) -> list[Action]:
        if frame.cmd == c.RECMD_UNKNOWN or frame.status != c.STATUS_OK:
            self.table.go(Event.REFUSED)
            return [ReaderFault(f"{pending.name} refused: {_text(frame.status)}", fatal=True)]
        self.pending = None
        self.table.go(Event.STREAM_STARTED)
        self.table.deadline = now + self.stream_timeout_s
        return [Ready(self._describe())]

    def _stream_reply(self, frame: c.ChafonFrame, now: float) -> list[Action]:
        if frame.cmd == c.CMD_SET_WORK_MODE and self.state is State.STOPPING:
            self.table.go(Event.STOP_DONE)
            return []
        if frame.cmd == c.CMD_GET_WORK_MODE:
            return self._keepalive_reply(now)
        if frame.cmd == c.RECMD_UNKNOWN and self.state is State.STREAMING:
            # The reader does not know this inventory: the profile names the wrong dialect.
            self.table.go(Event.REFUSED)
            what = self.pending.name if self.pending else "inventory"
            msg = f"{what} not recognised by the reader (check the chafon_dialect quirk)"
            return [ReaderFault(msg, fatal=True)]
        if frame.cmd != c.CMD_INVENTORY:
            self.table.ignored += 1
            return []
        return self._inventory_reply(frame, now)

    def _keepalive_reply(self, now: float) -> list[Action]:
        # Any answer proves the reader is alive. Scan mode is kept in its EEPROM across a
        # reboot (UR-series manual p.72), so there is nothing to set up again.
        self._keepalive = False
        self.pending = None
        self.table.deadline = now + self.stream_timeout_s
        return []

    def _inventory_reply(self, frame: c.ChafonFrame, now: float) -> list[Action]:
        port = self.config.ports[self._port_index]
        actions: list[Action] = []
        status = frame.status if frame.status is not None else c.STATUS_OK
        try:
            inv = c.decode_inventory(frame, with_antenna_rssi=self.config.dialect != "uhfreader18")
        except CodecError as err:
            actions.append(ReaderFault(f"antenna {port}: unreadable inventory reply: {err}"))
            inv = c.ChafonInventory(c.STATUS_DONE, ())
        for tag in inv.tags:
            actions.append(self._tag(tag, inv.antenna or port))
        if status == c.STATUS_MORE_FRAMES:
            self.table.deadline = now + self._round_timeout()
            return actions
        if status not in _TAG_STATUSES and status != c.STATUS_NO_TAG:
            actions.append(ReaderFault(f"antenna {port}: {_text(status)}"))
        return actions + self._round_done(now)

    def _round_done(self, now: float) -> list[Action]:
        self.rounds += 1
        if self.state is State.STOPPING:
            self.table.go(Event.STOP_DONE)
            return []
        self._port_index = (self._port_index + 1) % len(self.config.ports)
        return self._inventory(now)

    def _push(self, frame: c.ChafonFrame, now: float) -> list[Action]:
        if self.state is State.PROBING and not self._left_scan:
            # A reader left in scan mode: leave it now rather than wait for the probe retry.
            self._left_scan = True
            return [Send(self._answer_mode())]
        if not self.streaming or self.config.mode != "scan":
            self.table.ignored += 1
            return []
        if not self._keepalive:
            self.table.deadline = now + self.stream_timeout_s
        try:
            tag = c.decode_scan_push(frame, ant_len_epc_rssi=self.config.push_format != "epc")
        except CodecError as err:
            return [ReaderFault(f"unreadable scan-mode push: {err}")]
        if tag is None:
            return []
        return [self._tag(tag, tag.antenna or self.config.ports[0])]

    # -- helpers -------------------------------------------------------------------------
    def _tag(self, tag: c.ChafonTag, antenna: int) -> TagSeen:
        rssi = None if tag.rssi_raw is None else tag.rssi_raw - self.config.rssi_offset_db
        return TagSeen(tag.epc_hex, antenna, rssi)

    def _cmd(self, cmd: int, data: bytes = b"") -> bytes:
        return c.encode_command(self.config.address, cmd, data)

    def _answer_mode(self) -> bytes:
        return c.encode_work_mode(self.config.address, c.READ_MODE_ANSWER)

    def _inventory(self, now: float) -> list[Action]:
        cfg = self.config
        if cfg.dialect == "uhfreader18":
            data = self._cmd(c.CMD_INVENTORY)
        else:
            port = cfg.ports[self._port_index]
            data = c.encode_inventory_288(
                cfg.address, antenna=port, scan_time=cfg.scan_time, q=cfg.q, session=cfg.session
            )
        actions = self._send(Step("inventory", data, c.CMD_INVENTORY), now)
        self.table.deadline = now + self._round_timeout()
        return actions

    def _round_timeout(self) -> float:
        # 6b: a round may take the whole ScanTime before the reader answers.
        return self.response_timeout_s + self.config.scan_time * 0.1

    def _describe(self) -> str:
        info = self.info
        if info is None:
            return "Chafon reader"
        kind = _READER_TYPES.get(info.reader_type, f"type {info.reader_type:#04x}")
        return f"Chafon {kind}, firmware {info.version}, {self.config.mode} mode"

    # -- ScriptedSession hooks -----------------------------------------------------------
    def _probe_step(self) -> Step:
        probe = self._cmd(c.CMD_READER_INFO)
        if self._attempts:
            probe = self._answer_mode() + probe  # the retry first leaves scan mode (6b)
        return Step("get reader info", probe, c.CMD_READER_INFO)

    def _setup_steps(self) -> list[Step]:
        cfg = self.config
        steps = [
            Step(
                "set RF power", self._cmd(c.CMD_SET_POWER, bytes([cfg.power_dbm])), c.CMD_SET_POWER
            )
        ]
        if cfg.dialect == "uhfreader18":
            data = self._cmd(c.CMD_SET_SCAN_TIME, bytes([cfg.scan_time]))
            steps.append(Step("set scan time", data, c.CMD_SET_SCAN_TIME))
        return steps

    def _start_stream(self, now: float) -> list[Action]:
        self._port_index = 0
        self._keepalive = False
        self._left_scan = False
        if self.config.mode == "scan":
            data = c.encode_work_mode(self.config.address, c.READ_MODE_SCAN)
            return self._send(Step("set scan mode", data, c.CMD_SET_WORK_MODE), now)
        self.table.go(Event.STREAM_STARTED)
        return [Ready(self._describe()), *self._inventory(now)]

    def _stop_stream(self, now: float) -> list[Action]:
        if self.config.mode == "scan":
            return self._send(
                Step("leave scan mode", self._answer_mode(), c.CMD_SET_WORK_MODE), now
            )
        # The current round cannot be interrupted: it ends by itself.
        self.table.deadline = now + self._round_timeout()
        return []


def _text(status: int | None) -> str:
    return c.status_text(status if status is not None else c.STATUS_OK)
