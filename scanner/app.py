"""The edge agent's composition root: station file -> drivers -> control labels or RFID
aggregation -> group-committed outbox -> sync loop. The only module that knows all of them.

Shutdown (SIGINT/SIGTERM) loses nothing: drivers stop first, aggregators flush their open
windows, every pending read is committed, a final sync is tried for a few seconds, and the
queue is closed cleanly. Whatever did not reach the server stays queued for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from scanner.clock import read_boot_id
from scanner.drivers.base import Driver, DriverError
from scanner.drivers.registry import driver_class
from scanner.events import EventDraft, RawRead
from scanner.profiles import DeviceProfile, ProfileError, load_profile
from scanner.protocols.control import ControlConfig, ControlLabels, OpenAudit
from scanner.protocols.sweep import SweepStamp, WeakConfig
from scanner.queue import GroupWriter, Outbox, QueueFullError, SchemaError
from scanner.settings import SourceConfig, StationConfig, StationFileError, load_station
from scanner.status import status_line
from scanner.sync import Backoff, SyncClient, SyncLoop, SyncStatus, device_clock

_LOGGER = logging.getLogger(__name__)
TICK_S = 0.1
FINAL_SYNC_S = 3.0
_TIMING = ("dwell_s", "max_window_s", "still_here_s", "crossing_s", "rssi_floor")


class AgentError(Exception):
    """A station that cannot start: bad profile, unknown driver, unreadable token or queue."""


class _Source:
    """One configured device: its driver and what turns its reads into drafts."""

    def __init__(self, driver: Driver, feed: Callable[[RawRead, float], list[EventDraft]]) -> None:
        self.driver = driver
        self.feed = feed
        self.tick: Callable[[float], list[EventDraft]] | None = None
        self.flush: Callable[[float], list[EventDraft]] | None = None


class Agent:
    """The edge agent for one station file; `run` until `stop` is set."""

    def __init__(
        self,
        config: StationConfig,
        *,
        status_interval_s: float = 60.0,
        final_sync_s: float = FINAL_SYNC_S,
        backoff: Backoff | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        shared_control: bool = False,
    ) -> None:
        self.config = config
        station = config.station
        self.boot_id = read_boot_id()
        self.status_interval_s = status_interval_s
        self.final_sync_s = final_sync_s
        # One control-label machine per source, or one for the whole station (a handheld,
        # where the screen and every scanner steer the same audit).
        self._shared_control = shared_control
        self.machines: list[ControlLabels] = [self._machine()] if shared_control else []
        try:
            self.token = config.token()
            self.sources = [self._build_source(s) for s in config.sources]
            self.outbox = Outbox(
                config.path(station.queue), int(station.queue_budget_mb * 1024 * 1024)
            )
        except (StationFileError, ProfileError, DriverError, SchemaError, OSError) as err:
            raise AgentError(str(err)) from err
        self.writer = GroupWriter(self.outbox)
        self._backoff = backoff or Backoff()
        self._transport = transport
        self._refused = 0
        self._refused_logged_at = 0.0
        self.sync: SyncLoop | None = None

    async def run(self, stop: asyncio.Event) -> int:
        """Run until `stop` is set; then shut down without losing a committed or pending read."""
        station = self.config.station
        async with httpx.AsyncClient(transport=self._transport) as http:
            client = SyncClient(
                http,
                station.server,
                self.token,
                station.device_id,
                self.outbox.stream_id,
                device_clock(self.boot_id),
            )
            self.sync = SyncLoop(
                self.outbox,
                client,
                interval_s=station.sync_interval_s,
                batch_size=station.batch_size,
                backoff=self._backoff,
            )
            _LOGGER.info(
                "agent %s: %d source(s), queue %s (stream %s, %d queued), server %s",
                station.device_id,
                len(self.sources),
                self.outbox.path,
                self.outbox.stream_id,
                self.outbox.depth(),
                station.server,
            )
            return await self._serve(stop, self.sync)

    async def _serve(self, stop: asyncio.Event, sync: SyncLoop) -> int:
        writer_task = asyncio.create_task(self.writer.run(), name="writer")
        sync_task = asyncio.create_task(_supervised("sync", sync.run), name="sync")
        driver_tasks = [
            asyncio.create_task(
                _supervised(src.driver.name, self._driver_runner(src)),
                name=src.driver.name,
            )
            for src in self.sources
        ]
        helpers = [
            asyncio.create_task(self._ticker(), name="ticker"),
            asyncio.create_task(self._status_loop(), name="status"),
        ]
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([stopping, writer_task], return_when=asyncio.FIRST_COMPLETED)
        code = 0 if stopping.done() else 1
        if writer_task.done() and not writer_task.cancelled() and writer_task.exception():
            _LOGGER.critical("queue writer failed", exc_info=writer_task.exception())
        stopping.cancel()
        await self._shutdown(driver_tasks, helpers, writer_task, sync_task, sync)
        return code

    async def _shutdown(
        self,
        driver_tasks: list[asyncio.Task[None]],
        helpers: list[asyncio.Task[None]],
        writer_task: asyncio.Task[None],
        sync_task: asyncio.Task[None],
        sync: SyncLoop,
    ) -> None:
        _LOGGER.info("stopping: drivers, then flushing reads to the queue")
        await _cancel(*driver_tasks, *helpers)
        now = time.monotonic()
        for src in self.sources:
            if src.flush is not None:
                for draft in src.flush(now):
                    self._submit(draft)
        self._settle()
        await _cancel(writer_task)
        self.writer.flush()
        await _cancel(sync_task)
        if sync.status.state != "revoked" and self.outbox.depth():
            await sync.final_sync(self.final_sync_s)
        _LOGGER.info(
            "stopped: %d event(s) stay queued in %s", self.outbox.depth(), self.outbox.path
        )
        self.outbox.close()

    def status(self) -> str:
        """The status line as it is logged."""
        sync_status = self.sync.status if self.sync else SyncStatus()
        return status_line(self.outbox, sync_status, [s.driver.health() for s in self.sources])

    def _build_source(self, source: SourceConfig) -> _Source:
        profile = load_profile(source.profile)
        try:
            cls = driver_class(profile.driver)
        except ImportError as err:
            raise DriverError(f"driver {profile.driver!r} cannot load: {err}") from err
        driver: Driver = cls(profile, source, self.config.station)
        if profile.kind == "rfid":
            return self._rfid_source(driver, profile, source)
        return _Source(driver, self._control_feed(driver))

    def _machine(self) -> ControlLabels:
        station = self.config.station
        return ControlLabels(
            ControlConfig(
                boot_id=self.boot_id,
                read_point=station.read_point,
                location=station.location,
                location_prefix=station.location_prefix,
                person_prefix=station.person_prefix,
                command_prefix=station.command_prefix,
                mode_timeout_s=station.mode_timeout_s,
            )
        )

    def _control_feed(self, driver: Driver) -> Callable[[RawRead, float], list[EventDraft]]:
        """What turns a wand's, HID's or camera's reads into drafts: its control labels."""
        if not self._shared_control:
            self.machines.append(self._machine())
        machine = self.machines[-1]

        def feed(read: RawRead, now: float) -> list[EventDraft]:
            outcome = machine.receive(read, now)
            if outcome.change:
                _LOGGER.info("%s: %s", driver.name, outcome.change)
            return list(outcome.drafts)

        return feed

    def open_audit(self) -> tuple[OpenAudit, str | None] | None:
        """The audit the station is scanning for (the first machine with one open) and the
        location its scans are at now; RFID sightings join it."""
        for machine in self.machines:
            if machine.audit is not None:
                return machine.audit, machine.location
        return None

    def _rfid_source(self, driver: Driver, profile: DeviceProfile, source: SourceConfig) -> _Source:
        # Imported only for RFID stations: a wand-only agent does not load the aggregator.
        from scanner.protocols.aggregation import AggregationConfig, Aggregator

        station = self.config.station
        timing: dict[str, Any] = {}
        if profile.rfid is not None and profile.rfid.rssi_floor is not None:
            timing["rssi_floor"] = profile.rfid.rssi_floor
        for name in _TIMING:
            value = getattr(source, name)
            value = getattr(station, name) if value is None else value
            if value is not None:
                timing[name] = value
        aggregator = Aggregator(AggregationConfig(**timing), dict(source.antennas))
        stamp = SweepStamp(_weak_config(profile, station, source))

        def drafts(sightings: list[Any]) -> list[EventDraft]:
            audit = self.open_audit()
            return [
                stamp.stamp(s.to_draft(self.boot_id, station.read_point, station.location), audit)
                for s in sightings
            ]

        result = _Source(driver, lambda read, now: drafts(aggregator.feed(read, now)))
        result.tick = lambda now: drafts(aggregator.tick(now))
        result.flush = lambda now: drafts(aggregator.flush(now))
        return result

    def _driver_runner(self, src: _Source) -> Callable[[], Awaitable[None]]:
        sink = self._sink(src)

        def run() -> Awaitable[None]:
            return src.driver.run(sink)

        return run

    def _sink(self, src: _Source) -> Callable[[RawRead], None]:
        def sink(read: RawRead) -> None:
            for draft in src.feed(read, time.monotonic()):
                self._submit(draft)

        return sink

    def _submit(self, draft: EventDraft) -> None:
        """Where the sources' drafts go: straight to the outbox (a handheld holds some back)."""
        self.commit(draft)

    def _settle(self) -> None:
        """Called at shutdown after the sources' last drafts, before the final commit."""

    def commit(self, draft: EventDraft) -> None:
        """Hand `draft` to the group writer; a refused read is logged loudly."""
        future = self.writer.submit(draft)
        future.add_done_callback(self._committed)

    def _committed(self, future: asyncio.Future[int]) -> None:
        err = future.exception()
        if err is None:
            if self.sync is not None:
                self.sync.wake()
            return
        self._refused += 1
        now = time.monotonic()
        if isinstance(err, QueueFullError) and now - self._refused_logged_at < 5.0:
            return
        self._refused_logged_at = now
        _LOGGER.error("READ REFUSED (%d so far): %s", self._refused, err)

    async def _ticker(self) -> None:
        ticking = [s for s in self.sources if s.tick is not None]
        if not ticking:
            return
        while True:
            await asyncio.sleep(TICK_S)
            now = time.monotonic()
            for src in ticking:
                assert src.tick is not None
                for draft in src.tick(now):
                    self._submit(draft)

    async def _status_loop(self) -> None:
        while True:
            await asyncio.sleep(self.status_interval_s)
            _LOGGER.info("status: %s", self.status())


def _weak_config(profile: DeviceProfile, station: Any, source: SourceConfig) -> WeakConfig:
    """Weak-read thresholds: the source's, else the station's, else the profile's."""
    rssi = profile.rfid.weak_rssi_dbm if profile.rfid else None
    fraction = profile.rfid.weak_read_fraction if profile.rfid else WeakConfig().read_fraction
    for layer in (station, source):
        rssi = layer.weak_rssi_dbm if layer.weak_rssi_dbm is not None else rssi
        fraction = layer.weak_read_fraction if layer.weak_read_fraction is not None else fraction
    return WeakConfig(rssi_dbm=rssi, read_fraction=fraction)


async def _supervised(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """Run `run`; a crash (a bug, never a device fault) is logged and the task restarted."""
    while True:
        try:
            await run()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            _LOGGER.exception("%s crashed; restarting it in 2 s", name)
            await asyncio.sleep(2.0)


async def _cancel(*tasks: asyncio.Task[None]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


def run_agent(config: Path) -> int:
    """`scanstation agent --config FILE`: 0 after a clean stop, 2 for a bad station."""
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # One line per POST drowns the status line; sync failures are logged by the sync loop.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        agent = Agent(load_station(config))
    except (StationFileError, AgentError) as err:
        _LOGGER.error("cannot start the agent: %s", err)
        return 2
    return asyncio.run(_main(agent))


async def _main(agent: Agent) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return await agent.run(stop)
