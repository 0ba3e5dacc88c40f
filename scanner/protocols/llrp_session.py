"""Sans-IO LLRP 1.0.1 client session: connect -> capabilities -> config -> ROSpec -> reports.

The reader greets a new connection with a READER_EVENT_NOTIFICATION carrying a
ConnectionAttemptEvent (LLRP 1.0.1 section 13.2.6.11): success, or a refusal because another
client holds the reader. Then one request at a time, each answered by its response (same
message ID) with an LLRPStatus: GET_READER_CAPABILITIES, SET_READER_CONFIG (keepalive period,
events), DELETE_ROSPEC 0 (leftovers from an earlier client), ADD_ROSPEC, ENABLE_ROSPEC,
START_ROSPEC. While streaming, RO_ACCESS_REPORTs carry tags and KEEPALIVEs are acknowledged;
silence for `dead_after_keepalives` periods means the connection is dead. `stop` sends
STOP_ROSPEC, DELETE_ROSPEC and CLOSE_CONNECTION, each best effort.

Rules as in the serial sessions: no IO, no clock (every entry point takes `now`); each
transition is a row of `TRANSITIONS`; an API call with no row raises `ProtocolError` and
changes nothing; reader input with no row is ignored and counted. Tag reports are passed on in
every state: nothing the reader sends is dropped.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass, replace

from scanner.codecs import CodecError
from scanner.codecs import llrp as L
from scanner.codecs.llrp_params import CONNECTION_TEXT, Capabilities
from scanner.codecs.llrp_reports import ReaderEvent, TagReport
from scanner.codecs.llrp_spec import (
    EVENT_ANTENNA,
    EVENT_BUFFER_FILL_WARNING,
    EVENT_READER_EXCEPTION,
    ReaderConfig,
    ROSpecConfig,
)
from scanner.protocols.uhf_actions import ProtocolError, ReaderFault, Ready, Send


class State(enum.Enum):
    """Where an LLRP session is; each setup state waits for the response to its request."""

    IDLE = "idle"
    CONNECTING = "connecting"  # waiting for the ConnectionAttemptEvent
    CAPABILITIES = "capabilities"
    CONFIGURING = "configuring"
    CLEARING = "clearing"  # DELETE_ROSPEC 0
    ADDING = "adding"
    ENABLING = "enabling"
    STARTING = "starting"
    STREAMING = "streaming"
    STOPPING = "stopping"  # STOP_ROSPEC
    DELETING = "deleting"  # DELETE_ROSPEC
    CLOSING = "closing"  # CLOSE_CONNECTION
    CLOSED = "closed"
    FAILED = "failed"  # refused, broken or silent: the driver reconnects


class Event(enum.Enum):
    START = "start"
    CONNECTED = "connected"
    OK = "ok"  # the awaited response, status success
    REFUSED = "refused"  # the awaited response with an error status, or a refused connection
    TIMEOUT = "timeout"  # no response in time, or no keepalive while streaming
    BROKEN = "broken"  # bytes that are not LLRP: the stream cannot be resynchronised
    STOP = "stop"


S, E = State, Event
SETUP = (S.CAPABILITIES, S.CONFIGURING, S.CLEARING, S.ADDING, S.ENABLING, S.STARTING, S.STREAMING)
SHUTDOWN = (S.STOPPING, S.DELETING, S.CLOSING, S.CLOSED)
TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.IDLE, E.START): S.CONNECTING,
    (S.CONNECTING, E.CONNECTED): S.CAPABILITIES,
    (S.IDLE, E.STOP): S.CLOSED,
    (S.FAILED, E.STOP): S.CLOSED,
    (S.CONNECTING, E.STOP): S.CLOSING,
    (S.STREAMING, E.STOP): S.STOPPING,
}
for _a, _b in itertools.pairwise(SETUP):
    TRANSITIONS[(_a, E.OK)] = _b
    TRANSITIONS[(_a, E.STOP)] = S.DELETING  # an ROSpec may be half set up: delete it
for _s in (S.CONNECTING, *SETUP):
    for _e in (E.REFUSED, E.TIMEOUT, E.BROKEN):
        TRANSITIONS[(_s, _e)] = S.FAILED
for _a, _b in itertools.pairwise(SHUTDOWN):
    # Shutdown is best effort: a refusal moves on, silence or garbage ends it.
    TRANSITIONS[(_a, E.OK)] = TRANSITIONS[(_a, E.REFUSED)] = _b
    TRANSITIONS[(_a, E.TIMEOUT)] = TRANSITIONS[(_a, E.BROKEN)] = S.CLOSED

# The request each state sends on entry, and the message type that answers it.
REQUESTS: dict[State, int] = {
    S.CAPABILITIES: L.GET_READER_CAPABILITIES,
    S.CONFIGURING: L.SET_READER_CONFIG,
    S.CLEARING: L.DELETE_ROSPEC,
    S.ADDING: L.ADD_ROSPEC,
    S.ENABLING: L.ENABLE_ROSPEC,
    S.STARTING: L.START_ROSPEC,
    S.STOPPING: L.STOP_ROSPEC,
    S.DELETING: L.DELETE_ROSPEC,
    S.CLOSING: L.CLOSE_CONNECTION,
}
MANUFACTURERS = {25882: "Impinj", 161: "Zebra (Motorola)"}  # IANA private enterprise numbers
STATION_EVENTS = (EVENT_ANTENNA, EVENT_BUFFER_FILL_WARNING, EVENT_READER_EXCEPTION)


@dataclass(frozen=True, slots=True)
class LlrpSettings:
    """What the station asks of the reader. `rospec` is added with its start trigger null."""

    rospec: ROSpecConfig
    keepalive_ms: int = 10_000
    dead_after_keepalives: float = 3.0
    response_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class TagsReported:
    """The tags of one RO_ACCESS_REPORT."""

    reports: tuple[TagReport, ...]


@dataclass(frozen=True, slots=True)
class ReaderNotice:
    """A READER_EVENT_NOTIFICATION other than the connection greeting (antenna, buffer, ...)."""

    event: ReaderEvent


@dataclass(frozen=True, slots=True)
class Closed:
    """The session ended; the driver closes the socket. `reason` when it was not clean."""

    reason: str = ""


Action = Send | TagsReported | ReaderNotice | Ready | ReaderFault | Closed


class LlrpSession:
    """One TCP connection's worth of LLRP client. Open a new session per connection."""

    def __init__(self, settings: LlrpSettings) -> None:
        self.settings = settings
        self.state = State.IDLE
        self.capabilities: Capabilities | None = None
        self.ignored = 0
        self._framer = L.Framer()
        self._ids = itertools.count(1)
        self._pending: L.Message | None = None
        self._sent_at = 0.0
        self._heard_at = 0.0

    @property
    def streaming(self) -> bool:
        return self.state is State.STREAMING

    def start(self, now: float) -> list[Action]:
        """The socket is connected: wait for the reader's greeting."""
        self._go(Event.START)
        self._heard_at = self._sent_at = now
        return []

    def stop(self, now: float) -> list[Action]:
        """Stop reading and close the connection cleanly, as far as the reader lets us."""
        self._go(Event.STOP)
        return self._enter(now, "stopped")

    def deadline(self) -> float | None:
        """When `tick` is due next."""
        if self.state in (State.IDLE, State.CLOSED, State.FAILED):
            return None
        if self.state is State.STREAMING:
            period = self.settings.keepalive_ms / 1000
            return self._heard_at + period * self.settings.dead_after_keepalives
        return self._sent_at + self.settings.response_timeout_s

    def tick(self, now: float) -> list[Action]:
        """Handle an expired deadline."""
        due = self.deadline()
        if due is None or now < due:
            return []
        if self.state is State.STREAMING:
            reason = f"no message from the reader for {now - self._heard_at:.1f} s"
        elif self.state is State.CONNECTING:
            reason = "the reader did not greet the connection"
        else:
            reason = f"no answer to {self._pending.name if self._pending else 'the request'}"
        self._go(Event.TIMEOUT)
        return self._enter(now, reason)

    def receive_data(self, data: bytes, now: float) -> list[Action]:
        """Bytes from the reader. After the session ended, reports still pass through."""
        if self.state is State.IDLE or self._framer.broken is not None:
            self.ignored += 1
            return []
        try:
            messages = self._framer.feed(data)
        except CodecError as exc:
            if (self.state, Event.BROKEN) not in TRANSITIONS:
                self.ignored += 1
                return []
            self._go(Event.BROKEN)
            return self._enter(now, f"not LLRP: {exc}")
        actions: list[Action] = []
        for message in messages:
            self._heard_at = now
            actions += self.receive(message, now)
        return actions

    def receive(self, message: L.Message, now: float) -> list[Action]:
        """One message from the reader."""
        try:
            return self._dispatch(message, now)
        except CodecError as exc:
            # The framing is intact, so one bad message body is reported and skipped.
            self.ignored += 1
            return [ReaderFault(f"bad {message.name}: {exc}")]

    def _dispatch(self, message: L.Message, now: float) -> list[Action]:
        if message.type == L.KEEPALIVE:
            return [Send(L.encode(L.keepalive_ack(message.message_id)))]
        if message.type == L.RO_ACCESS_REPORT:
            return [TagsReported(tuple(L.tag_reports(message)))]
        if message.type == L.READER_EVENT_NOTIFICATION:
            return self._on_event(L.reader_event(message), now)
        pending = self._pending
        if pending is None or message.message_id != pending.message_id:
            self.ignored += 1
            if message.type == L.ERROR_MESSAGE:
                return [ReaderFault(f"reader error: {L.status_of(message).name}")]
            return []
        if message.type not in (L.RESPONSE_OF[pending.type], L.ERROR_MESSAGE):
            self.ignored += 1
            return []
        return self._on_response(message, now)

    def _on_event(self, event: ReaderEvent, now: float) -> list[Action]:
        if self.state is not State.CONNECTING or event.connection_attempt is None:
            return [ReaderNotice(event)]
        if event.connection_attempt != 0:
            self._go(Event.REFUSED)
            text = CONNECTION_TEXT.get(event.connection_attempt, str(event.connection_attempt))
            return self._enter(now, f"reader refused the connection ({text})")
        self._go(Event.CONNECTED)
        return self._enter(now, "")

    def _on_response(self, message: L.Message, now: float) -> list[Action]:
        status = L.status_of(message)
        asked = self._pending.name if self._pending else "request"
        if message.type == L.GET_READER_CAPABILITIES_RESPONSE and status.ok:
            self.capabilities = L.capabilities_of(message)
            problem = self._unsupported()
            if problem:
                self._go(Event.REFUSED)
                return self._enter(now, problem)
        self._pending = None
        ok = status.ok and message.type != L.ERROR_MESSAGE
        refused = not ok and message.type != L.CLOSE_CONNECTION_RESPONSE
        self._go(Event.OK if ok else Event.REFUSED)
        detail = f"{asked} refused: {status.name} {status.description}".strip()
        actions: list[Action] = [ReaderFault(detail)] if refused and self._shutting_down() else []
        return actions + self._enter(now, detail if refused else "")

    def _unsupported(self) -> str:
        caps, wanted = self.capabilities, self.settings.rospec.antennas
        if caps is None or not wanted or max(wanted) <= caps.max_antennas:
            return ""
        return f"antenna {max(wanted)} asked for, the reader has {caps.max_antennas}"

    def _shutting_down(self) -> bool:
        return self.state in SHUTDOWN

    def _enter(self, now: float, reason: str) -> list[Action]:
        """Actions on arriving in the current state: its request, or the session's end."""
        if self.state is State.FAILED:
            self._pending = None
            return [ReaderFault(reason, fatal=True)]
        if self.state is State.CLOSED:
            self._pending = None
            clean = reason in ("", "stopped")
            return [Closed("" if clean else reason)]
        if self.state is State.STREAMING:
            self._heard_at = now
            return [Ready(self._describe())]
        request = self._request(self.state)
        if request is None:
            return []
        self._pending, self._sent_at = request, now
        return [Send(L.encode(request))]

    def _request(self, state: State) -> L.Message | None:
        mtype = REQUESTS.get(state)
        if mtype is None:
            return None
        mid, spec = next(self._ids), self.settings.rospec
        if mtype == L.GET_READER_CAPABILITIES:
            return L.get_reader_capabilities(mid)
        if mtype == L.SET_READER_CONFIG:
            config = ReaderConfig(False, self.settings.keepalive_ms, STATION_EVENTS)
            return L.set_reader_config(mid, config)
        if mtype == L.ADD_ROSPEC:
            return L.add_rospec(mid, replace(spec, start_immediate=False))
        if mtype == L.CLOSE_CONNECTION:
            return L.close_connection(mid)
        return L.rospec_command(mtype, mid, 0 if state is State.CLEARING else spec.rospec_id)

    def _describe(self) -> str:
        caps = self.capabilities
        if caps is None:
            return "LLRP reader"
        maker = MANUFACTURERS.get(caps.manufacturer, f"manufacturer {caps.manufacturer}")
        return (
            f"LLRP reader ({maker}, model {caps.model}, "
            f"firmware {caps.firmware}, {caps.max_antennas} antennas)"
        )

    def _go(self, event: Event) -> State:
        try:
            self.state = TRANSITIONS[(self.state, event)]
        except KeyError:
            raise ProtocolError(
                f"{event.value} is not allowed in state {self.state.value}"
            ) from None
        return self.state
