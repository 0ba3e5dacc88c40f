"""The handheld station: the agent (drivers, control labels, RFID aggregation, outbox, sync)
with its scans routed through an audit controller, and the reference downloads (issue 9).

Architecture 1b: the screen talks to this controller, the controller to the agent's control
labels, the local cache and the outbox. Only the sync side (`SyncLoop`, `ReferenceSync`) talks
to the server. Every scan and every screen action goes through one queue, handled in order on
the event loop, so a burst of scans, a location label and a finish key never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from scanner.app import Agent
from scanner.clock import mono_ns, wall_now
from scanner.drivers.base import Driver
from scanner.events import EventDraft, RawRead
from scanner.handheld.session import (
    AuditSession,
    LiveView,
    ScanNote,
    read_from_json,
    read_to_json,
    to_read,
)
from scanner.protocols.control import ControlLabels, Label, OpenAudit
from scanner.queue.cache import ExpectedList, ReferenceCache
from scanner.settings import StationConfig
from scanner.sync.reference import Download, ReferenceSync
from shared.audits import Reconciliation
from shared.wire import Source

_LOGGER = logging.getLogger(__name__)
TICK_S = 0.25


class HandheldAgent(Agent):
    """The agent with one control-label machine for the station and its drafts handed to a
    controller instead of straight to the outbox."""

    def __init__(self, config: StationConfig, **kwargs: Any) -> None:
        self.inbox: asyncio.Queue[tuple[str, Any, float]] = asyncio.Queue()
        self.settle_hook: Callable[[], None] | None = None
        super().__init__(config, shared_control=True, **kwargs)

    @property
    def machine(self) -> ControlLabels:
        """The station's control-label machine."""
        return self.machines[0]

    def _control_feed(self, driver: Driver) -> Callable[[RawRead, float], list[EventDraft]]:  # noqa: ARG002
        def feed(read: RawRead, now: float) -> list[EventDraft]:
            self.inbox.put_nowait(("read", read, now))
            return []

        return feed

    def _submit(self, draft: EventDraft) -> None:
        self.inbox.put_nowait(("draft", draft, time.monotonic()))

    def _settle(self) -> None:
        if self.settle_hook is not None:
            self.settle_hook()

    def flush_reads(self) -> list[EventDraft]:
        """Close every open RFID window now: what the readers saw so far, as drafts."""
        now = time.monotonic()
        return [draft for src in self.sources if src.flush for draft in src.flush(now)]


class AuditController:
    """Runs audits on a handheld: opens them (expected list downloaded, else cached), feeds
    scans to the live session, holds the last scan for undo, finishes them."""

    def __init__(
        self,
        agent: HandheldAgent,
        cache: ReferenceCache,
        reference: ReferenceSync | None,
        on_change: Callable[[ScanNote | None], None] | None = None,
    ) -> None:
        self.agent = agent
        self.cache = cache
        self.reference = reference
        self.settings = agent.config.audit
        self.on_change = on_change or (lambda _note: None)
        self.session: AuditSession | None = None
        self.last: AuditSession | None = None
        self.message = "Scan a location label (LOC:...) or pick a location to start an audit."
        self.source_note = ""
        agent.settle_hook = self.settle
        self._resume()

    # -- what the screen calls -------------------------------------------------------------

    def pick(self, location: str) -> None:
        """Start an audit at `location` (the screen's location picker)."""
        self.agent.inbox.put_nowait(("start", location, time.monotonic()))

    def finish(self) -> None:
        """Finish the open audit, after every scan already received."""
        self.agent.inbox.put_nowait(("finish", None, time.monotonic()))

    def undo(self) -> ScanNote | None:
        """Take back the held scan; None when there is none (say so on the screen)."""
        note = self.session.undo() if self.session is not None else None
        self.message = f"undone: {note.code}" if note else "nothing to undo"
        self.on_change(None)
        return note

    def view(self) -> Reconciliation | None:
        """The live reconciliation of the open audit, else of the last finished one."""
        session = self.session or self.last
        return session.view() if session is not None else None

    def live(self, rows: int) -> LiveView | None:
        """What the screen shows of the open audit, else of the last finished one."""
        session = self.session or self.last
        return session.live(rows) if session is not None else None

    def locations(self) -> list[str]:
        """Locations that can be audited from the cache (offline)."""
        return self.cache.locations()

    # -- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """Handle the inbox in order until cancelled; commit held scans once they are due."""
        inbox = self.agent.inbox
        while True:
            try:
                async with asyncio.timeout(TICK_S):
                    kind, item, now = await inbox.get()
            except TimeoutError:
                self._tick()
                continue
            await self.handle(kind, item, now)
            self._tick()

    async def handle(self, kind: str, item: Any, now: float) -> None:
        """One inbox entry: a scanner read, an RFID draft, or a screen action."""
        if kind == "read":
            await self._read(item, now)
        elif kind == "draft":
            self._route(item, now)
        elif kind == "start":
            await self.open(item, wall_now(), mono_ns(), "manual")
        elif kind == "finish":
            self.close(wall_now(), mono_ns(), "manual")

    def settle(self) -> None:
        """Shutdown: route what is left in the inbox and let the held scan go to the outbox."""
        inbox = self.agent.inbox
        while not inbox.empty():
            kind, item, now = inbox.get_nowait()
            if kind == "draft":
                self._route(item, now)
            elif kind == "read" and not self._read_now(item, now):
                _LOGGER.warning("stopping: %r needs the network to start an audit; dropped", item)
        if self.session is not None:
            self._let_go(self.session.release())

    async def open(self, location: str, wall: Any, mono: int, source: Source) -> bool:
        """Open an audit at `location` once its expected list is at hand; False if it is not."""
        expected = await self._expected(location)
        if expected is None:
            self.message = (
                f"No expected list for {location} on this station, and the server cannot be "
                "reached: connect once to download it."
            )
            self.on_change(None)
            return False
        if self.session is not None:
            self.close(wall, mono, source)
        machine = self.agent.machine
        outcome = machine.start_audit(location, wall, mono, source)
        self._commit(list(outcome.drafts))
        assert machine.audit is not None
        self.session = AuditSession(
            machine.audit,
            expected,
            self.cache.registered(),
            device_id=self.agent.config.station.device_id,
            undo_window_s=self.settings.undo_window_s,
        )
        self.cache.save_open_audit(machine.audit.audit_id, location, expected)
        self.message = f"Auditing {location}: scan assets; f finishes, u undoes the last scan."
        self.on_change(None)
        return True

    def close(self, wall: Any, mono: int, source: Source) -> None:
        """Finish the open audit: the held scan goes out, then `audit_close`."""
        if self.session is None:
            self.message = "No audit is open."
            self.on_change(None)
            return
        now = time.monotonic()
        for draft in self.agent.flush_reads():  # what the reader saw up to the finish counts
            self._route(draft, now)
        self._commit(self.session.release())
        self._commit(list(self.agent.machine.finish_audit(wall, mono, source).drafts))
        self.session.finished = True
        self.cache.clear_open_audit()
        self.last, self.session = self.session, None
        live = self.last.live(0)
        self.message = (
            f"Audit of {self.last.audit.location} finished: {live.count('found')} found, "
            f"{live.count('missing')} missing, {live.count('unexpected')} unexpected, "
            f"{live.count('unknown_codes')} unknown. Scan a location label for the next one."
        )
        self.on_change(None)

    async def _read(self, read: RawRead, now: float) -> None:
        machine = self.agent.machine
        label, value = machine.classify(read)
        starts = label is Label.AUDIT and machine.location is not None
        if label is Label.LOCATION and self.session is None and value:
            starts, target = True, value
        else:
            target = machine.location or ""
        if starts and await self.open(target, read.wall, read.mono_ns, read.source):
            return
        if not starts or label is Label.LOCATION:
            # A location label that could not start an audit still sets the location; the
            # screen keeps saying why the audit did not start.
            self._read_now(read, now, quiet=starts)

    def _read_now(self, read: RawRead, now: float, quiet: bool = False) -> bool:
        """Handle a read that needs no download; False for `CMD:AUDIT`, which does."""
        machine = self.agent.machine
        label, _ = machine.classify(read)
        if label is Label.AUDIT:
            self.message = "CMD:AUDIT needs a location: scan a location label first."
            self.on_change(None)
            return False
        if label is Label.DONE and self.session is not None:
            self.close(read.wall, read.mono_ns, read.source)
            return True
        outcome = machine.receive(read, now)
        for draft in outcome.drafts:
            self._route(draft, now)
        if outcome.change and not outcome.drafts and not quiet:
            self.message = outcome.change
            self.on_change(None)
        return True

    def _route(self, draft: EventDraft, now: float) -> None:
        session = self.session
        in_audit = session is not None and draft.audit_id == session.audit.audit_id
        if session is None or not in_audit or draft.type in ("audit_open", "audit_close"):
            self._commit([draft])
            return
        note, released = session.add(draft, now)
        self._let_go(released)
        self.on_change(note)

    def _tick(self) -> None:
        if self.session is not None:
            self._let_go(self.session.due(time.monotonic()))

    def _let_go(self, drafts: list[EventDraft]) -> None:
        """Scans leaving the hold: into the station's audit journal, then the outbox."""
        session = self.session
        for draft in drafts:
            if session is not None and draft.audit_id == session.audit.audit_id:
                read = to_read(draft, session.device_id)
                self.cache.journal_read(session.audit.audit_id, read_to_json(read))
        self._commit(drafts)

    def _resume(self) -> None:
        """Take up the audit a previous run left open (quit or crashed before finishing)."""
        state = self.cache.open_audit()
        if state is None:
            return
        audit_id, location, expected, journal = state
        reads = [read_from_json(r) for r in journal]
        machine = self.agent.machine
        machine.audit = OpenAudit(audit_id, location)
        machine.location = next((r.location for r in reversed(reads) if r.location), location)
        self.session = AuditSession(
            machine.audit,
            expected,
            self.cache.registered(),
            device_id=self.agent.config.station.device_id,
            undo_window_s=self.settings.undo_window_s,
        )
        self.session.restore(reads)
        self.source_note = f"resumed; expected list from {_short(expected)}"
        self.message = f"Resumed the audit of {location} ({len(reads)} scans): f finishes it."

    def _commit(self, drafts: list[EventDraft]) -> None:
        for draft in drafts:
            self.agent.commit(draft)

    async def _expected(self, location: str) -> ExpectedList | None:
        # A station's audit covers the location and its sublocations (docs/audits.md).
        include = True
        if self.reference is not None:
            result = await self._download(location)
            cached = self.cache.expected(location, include)
            if result.ok:
                self.source_note = f"expected list downloaded {_short(cached)}"
            elif cached is not None:
                self.source_note = f"offline: cached expected list from {_short(cached)}"
            return cached
        cached = self.cache.expected(location, include)
        self.source_note = f"cached expected list from {_short(cached)}" if cached else ""
        return cached

    async def _download(self, location: str) -> Download:
        assert self.reference is not None
        reference = self.reference
        try:
            async with asyncio.timeout(self.settings.download_timeout_s):
                ids, got = await asyncio.gather(
                    reference.identities(), reference.expected(location)
                )
        except TimeoutError:
            return Download("offline", "the server did not answer in time")
        if not ids.ok:
            _LOGGER.info("identities not refreshed (%s); using the cached ones", ids.detail)
        return got


def _short(listed: ExpectedList | None) -> str:
    return listed.fetched_at[:19].replace("T", " ") if listed else "never"


class HandheldStation:
    """Agent + reference downloads + controller, run together until `stop` is set."""

    def __init__(
        self,
        config: StationConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **agent_kwargs: Any,
    ) -> None:
        self.config = config
        self.agent = HandheldAgent(config, transport=transport, **agent_kwargs)
        self.cache = ReferenceCache(config.path(config.audit.cache))
        self._transport = transport
        self.controller = AuditController(self.agent, self.cache, None)

    async def run(self, stop: asyncio.Event) -> int:
        """Run until `stop`; the agent's shutdown commits the held scan and syncs."""
        station = self.config.station
        async with httpx.AsyncClient(transport=self._transport) as http:
            reference = ReferenceSync(
                http,
                station.server,
                self.agent.token,
                self.cache,
                interval_s=self.config.audit.refresh_s,
                prefetch=tuple(self.config.audit.prefetch),
            )
            self.controller.reference = reference
            tasks = [
                asyncio.create_task(self.controller.run(), name="audit-controller"),
                asyncio.create_task(reference.run(), name="reference"),
            ]
            try:
                return await self.agent.run(stop)
            finally:
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                self.cache.close()
