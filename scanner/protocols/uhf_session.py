"""The state table shared by serial UHF reader sessions (probe, configure, read, stop).

Rules of this file: no IO, no clock (every entry point takes `now`); each transition is a row of
`TRANSITIONS`; an API call that has no row raises `ProtocolError` and changes nothing; reader
input that has no row is ignored and counted (the reader is untrusted, it must not crash us).
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from scanner.codecs import CodecError
from scanner.protocols.uhf_actions import Action, NoAnswer, ProtocolError, Restarted, Send


class State(enum.Enum):
    """Where a reader session is."""

    IDLE = "idle"
    PROBING = "probing"  # asked for the version, waiting for a valid reply
    CONFIGURING = "configuring"  # sending setup commands one at a time
    STARTING = "starting"  # asked the reader to start reading
    STREAMING = "streaming"  # tag reads arrive
    STOPPING = "stopping"  # asked to stop, draining
    STOPPED = "stopped"
    FAILED = "failed"  # the reader refused the setup or never answered; open a new session


class Event(enum.Enum):
    """What can happen to a session."""

    START = "start"
    PROBED = "probed"  # a valid reply to the probe
    CONFIGURED = "configured"  # the last setup command was accepted
    STREAM_STARTED = "stream_started"
    REFUSED = "refused"  # the reader answered a setup command with an error
    BOOT = "boot"  # the reader rebooted
    TIMEOUT = "timeout"  # no answer in time, or silence while reading
    GIVE_UP = "give_up"  # the probe went unanswered on every attempt
    STOP = "stop"
    STOP_DONE = "stop_done"


S, E = State, Event
TRANSITIONS: dict[tuple[State, Event], State] = {
    (S.IDLE, E.START): S.PROBING,
    (S.PROBING, E.PROBED): S.CONFIGURING,
    (S.PROBING, E.TIMEOUT): S.PROBING,
    (S.PROBING, E.BOOT): S.PROBING,
    (S.PROBING, E.GIVE_UP): S.FAILED,
    (S.CONFIGURING, E.CONFIGURED): S.STARTING,
    (S.CONFIGURING, E.REFUSED): S.FAILED,
    (S.STARTING, E.STREAM_STARTED): S.STREAMING,
    (S.STARTING, E.REFUSED): S.FAILED,
    (S.STREAMING, E.REFUSED): S.FAILED,
    (S.STOPPING, E.STOP_DONE): S.STOPPED,
    (S.STOPPING, E.TIMEOUT): S.STOPPED,
    (S.STOPPING, E.BOOT): S.STOPPED,
}
for _state in (S.CONFIGURING, S.STARTING, S.STREAMING):
    # A reboot or a silent reader mid-session: probe again and redo the whole setup.
    TRANSITIONS[(_state, E.BOOT)] = S.PROBING
    TRANSITIONS[(_state, E.TIMEOUT)] = S.PROBING
TRANSITIONS[(S.STREAMING, E.STOP)] = S.STOPPING
for _state in (S.PROBING, S.CONFIGURING, S.STARTING, S.FAILED, S.STOPPED):
    TRANSITIONS[(_state, E.STOP)] = S.STOPPED

PROBE_ATTEMPTS = 2  # protocols.md 1.1: the API tries the configured rate twice


@dataclass(frozen=True, slots=True)
class Step:
    """One command of the setup script and the reply key that answers it."""

    name: str
    data: bytes
    reply: int


class StateTable:
    """Holds the state and applies `TRANSITIONS`; also the deadline of what is awaited."""

    def __init__(self) -> None:
        self.state = State.IDLE
        self.ignored = 0
        self.deadline: float | None = None

    def can(self, event: Event) -> bool:
        """Whether `event` has a row from the current state."""
        return (self.state, event) in TRANSITIONS

    def go(self, event: Event) -> State:
        """Apply `event`; raises ProtocolError (state unchanged) if it has no row."""
        try:
            self.state = TRANSITIONS[(self.state, event)]
        except KeyError:
            raise ProtocolError(
                f"{event.value} is not allowed in state {self.state.value}"
            ) from None
        if self.state in (State.STOPPED, State.FAILED):
            self.deadline = None
        return self.state


FrameT = TypeVar("FrameT")
_FrameT_co = TypeVar("_FrameT_co", covariant=True)


class _Framer(Protocol[_FrameT_co]):
    """A protocol's incremental frame splitter, as a session reads it."""

    def feed(self, data: bytes) -> Sequence[_FrameT_co]: ...

    def take_errors(self) -> list[CodecError]: ...


class ScriptedSession(abc.ABC, Generic[FrameT]):
    """Probe, then a setup script of `Step`s, one at a time, then the protocol's stream.

    Subclasses set `_framer`, provide `receive`, `_probe_step`, `_setup_steps`,
    `_start_stream`, `_stop_stream`, and feed replies through `_answered`/`_refused`.
    """

    _framer: _Framer[FrameT]

    def __init__(self, response_timeout_s: float, stream_timeout_s: float) -> None:
        self.table = StateTable()
        self.response_timeout_s = response_timeout_s
        self.stream_timeout_s = stream_timeout_s
        self._steps: list[Step] = []
        self.pending: Step | None = None
        self._attempts = 0
        self._garbage_at_probe = 0

    @property
    def state(self) -> State:
        """The current state."""
        return self.table.state

    @property
    def streaming(self) -> bool:
        """True while the reader is reading."""
        return self.table.state is State.STREAMING

    def deadline(self) -> float | None:
        """When `tick` is due."""
        return self.table.deadline

    def receive_data(self, data: bytes, now: float) -> list[Action]:
        """Bytes from the reader."""
        frames = self._framer.feed(data)
        self._note_garbage(sum(len(err.data) for err in self._framer.take_errors()))
        actions: list[Action] = []
        for frame in frames:
            actions.extend(self.receive(frame, now))
        return actions

    @abc.abstractmethod
    def receive(self, frame: FrameT, now: float) -> list[Action]:
        """One frame from the reader."""

    def start(self, now: float) -> list[Action]:
        """Probe the reader."""
        self.table.go(Event.START)
        return self._probe(now)

    def stop(self, now: float) -> list[Action]:
        """Stop reading; from any setup state this just ends the session."""
        was_streaming = self.streaming
        self.table.go(Event.STOP)
        if not was_streaming:
            self.pending = None
            return []
        self.table.deadline = now + self.response_timeout_s
        return self._stop_stream(now)

    def tick(self, now: float) -> list[Action]:
        """Handle an expired deadline."""
        due = self.table.deadline
        if due is None or now < due:
            return []
        state = self.table.state
        if state is State.PROBING:
            self._attempts += 1
            if self._attempts >= PROBE_ATTEMPTS:
                self.table.go(Event.GIVE_UP)
                return [NoAnswer(self._garbage_at_probe)]
            self.table.go(Event.TIMEOUT)
            return self._send(self._probe_step(), now)
        self.table.go(Event.TIMEOUT)
        if state is State.STOPPING:
            return []
        what = f"no answer to {self.pending.name}" if self.pending else "the reader went silent"
        return [Restarted(what), *self._probe(now)]

    def _probe(self, now: float) -> list[Action]:
        self._attempts = 0
        self._garbage_at_probe = 0
        return self._send(self._probe_step(), now)

    def _rebooted(self, reason: str, now: float) -> list[Action]:
        self.table.go(Event.BOOT)
        if self.table.state is State.STOPPED:
            return []
        return [Restarted(reason), *self._probe(now)]

    def _send(self, step: Step, now: float) -> list[Action]:
        self.pending = step
        self.table.deadline = now + self.response_timeout_s
        return [Send(step.data)]

    def _probed(self, now: float) -> list[Action]:
        """The probe was answered: run the setup script."""
        self.table.go(Event.PROBED)
        self._steps = self._setup_steps()
        return self._next_step(now)

    def _answered(self, now: float) -> list[Action]:
        """The pending setup command was accepted."""
        return self._next_step(now)

    def _next_step(self, now: float) -> list[Action]:
        if self._steps:
            return self._send(self._steps.pop(0), now)
        self.pending = None
        self.table.go(Event.CONFIGURED)
        return self._start_stream(now)

    def _note_garbage(self, count: int) -> None:
        if self.table.state is State.PROBING:
            self._garbage_at_probe += count

    @abc.abstractmethod
    def _probe_step(self) -> Step:
        """The command that asks the reader who it is."""

    @abc.abstractmethod
    def _setup_steps(self) -> list[Step]:
        """The setup script, run after a successful probe."""

    @abc.abstractmethod
    def _start_stream(self, now: float) -> list[Action]:
        """Entered STARTING: ask the reader to read."""

    @abc.abstractmethod
    def _stop_stream(self, now: float) -> list[Action]:
        """Entered STOPPING: ask the reader to stop."""
