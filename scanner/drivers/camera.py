"""Camera driver: OpenCV capture -> FrameDecoder -> SightingFilter -> RawRead(source="camera").

`source.camera` is a device index (or /dev/videoN), a stream URL, or a video file. Capture
and decoding block, so they run through `loop.run_in_executor` on this driver's one worker
thread (architecture.md rule 10). A device or stream that fails or stalls is reopened with
capped backoff; a video file is played once at its own frame rate, then the source idles.
Frames are decoded at the profile's `decode_hz` and only the newest frame is decoded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import cv2

from scanner.camera.decoder import Decoded, FrameDecoder, load_zbar
from scanner.camera.live import RateGate, SightingFilter
from scanner.clock import mono_ns, wall_now
from scanner.drivers.base import DriverError, DriverHealth, DriverState, ReadSink
from scanner.drivers.reconnect import Reconnector
from scanner.events import RawRead
from scanner.profiles.camera import CameraSettings
from scanner.profiles.model import DeviceProfile
from scanner.settings import SourceConfig, StationSection

_LOGGER = logging.getLogger(__name__)
_DRAIN_MAX = 10  # frames skipped at most per step to catch up with a live source


class _Stalled(Exception):
    """No frame arrived within the profile's stall timeout."""


@dataclass(slots=True)
class _Step:
    """One decoded frame: its time on the capture's timeline and the codes in it."""

    at: float
    codes: list[Decoded]


@dataclass(slots=True)
class _Timeline:
    """Where t = 0 of a capture is on the agent's clocks."""

    wall: datetime
    mono: int

    def stamp(self, at: float) -> tuple[datetime, int]:
        return self.wall + timedelta(seconds=at), self.mono + int(at * 1e9)


class CameraDriver:
    """A camera (device, stream or video file) whose frames are decoded for labels."""

    def __init__(
        self,
        profile: DeviceProfile,
        source: SourceConfig,
        station: StationSection,
        *,
        pace_files: bool = True,
        retry_base_s: float = 0.5,
        rng: random.Random | None = None,
    ) -> None:
        if source.camera is None or source.camera == "":
            raise DriverError(f"source {profile.id}: a camera needs `camera` (index, URL or file)")
        self.profile = profile
        self.settings = profile.camera or CameraSettings()
        self.target = _target(source.camera)
        self.kind = _kind(self.target)
        self._name = source.name or f"{profile.id}@{self.target}"
        self._station = station
        self._pace = pace_files
        self._health = DriverHealth(name=self._name, port=str(self.target))
        self._link = Reconnector(
            self._health,
            _LOGGER,
            base_s=retry_base_s,
            cap_s=self.settings.reconnect_max_s,
            rng=rng,
        )
        self._decoder = FrameDecoder(self.settings)
        # OpenCV's own "can't open camera by index" lines repeat on every retry and say less
        # than the DriverError logged here; keep its errors only.
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
        self._frames = 0
        self._decode_s = 0.0

    @property
    def name(self) -> str:
        """The source's name in logs and status."""
        return self._name

    def health(self) -> DriverHealth:
        """State, reads, reconnects, last error, frames decoded and decode speed."""
        details = self._health.details
        details["source"] = f"{self.kind} {self.target}"
        details["frames_decoded"] = str(self._frames)
        if self._frames:
            details["decode_ms"] = f"{1000 * self._decode_s / self._frames:.1f}"
        return self._health

    async def run(self, sink: ReadSink) -> None:
        """Decode frames into `sink` until cancelled, reopening a failed device or stream."""
        has_zbar = load_zbar() is not None  # says once per process when libzbar0 is missing
        self._health.details["zbar_fallback"] = "on" if has_zbar else "off (libzbar0 missing)"
        attempt = 0
        try:
            while True:
                worker = concurrent.futures.ThreadPoolExecutor(1, "camera-decode")
                try:
                    reason = await self._session(worker, sink, attempt)
                    attempt = 0
                except DriverError as err:
                    if self._health.state == DriverState.CONNECTED:
                        attempt = 0  # it was working: a fresh failure, start the backoff over
                    self._link.lost(str(err), first=attempt == 0)
                else:
                    if self.kind == "file":
                        await self._finished(reason)
                    self._link.lost(f"capture of {self.target} ended: {reason}", first=True)
                finally:
                    # Not cancel_futures: the capture's release may be queued behind a stalled
                    # grab() and must still run when that returns.
                    worker.shutdown(wait=False)
                await asyncio.sleep(self._link.delay(attempt))
                attempt += 1
        finally:
            self._health.state = DriverState.STOPPED

    async def _session(
        self, worker: concurrent.futures.ThreadPoolExecutor, sink: ReadSink, attempt: int
    ) -> str:
        """Open the capture and play it until it ends (the reason) or fails (DriverError)."""
        loop = asyncio.get_running_loop()
        capture = await loop.run_in_executor(worker, self._open)
        try:
            self._link.connected(str(self.target), attempt, doing="capturing from")
            return await self._play(worker, capture, sink)
        except _Stalled as err:
            raise DriverError(str(err)) from None
        finally:
            # After a stall the worker may still be blocked in grab(): release runs after it.
            worker.submit(capture.release)

    async def _play(
        self, worker: concurrent.futures.ThreadPoolExecutor, capture: Any, sink: ReadSink
    ) -> str:
        loop = asyncio.get_running_loop()
        gate = RateGate(self.settings.decode_hz)
        sightings = SightingFilter(self.settings.hold_off_s, self.settings.rearm_s)
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        clock = _FrameClock(self.kind, fps if 0 < fps < 1000 else 25.0)
        timeline = _Timeline(wall_now(), mono_ns())
        while True:
            future = loop.run_in_executor(worker, self._step, capture, gate, clock)
            try:
                step = await asyncio.wait_for(future, self.settings.stall_timeout_s)
            except TimeoutError:
                raise _Stalled(
                    f"no frame from {self.target} for {self.settings.stall_timeout_s} s"
                ) from None
            except (cv2.error, ValueError, RuntimeError) as err:
                # A file is not replayed from the start (its labels would be read twice).
                if self.kind == "file":
                    return f"video ended early at frame {clock.index}: {err}"
                raise DriverError(f"capture from {self.target} failed: {err}") from err
            if step is None:
                return _ending(clock.index, total, self.kind)
            if self.kind == "file" and self._pace:
                await asyncio.sleep(max(0.0, timeline.mono / 1e9 + step.at - time.monotonic()))
            fresh = set(sightings.observe((code.key for code in step.codes), step.at))
            for code in step.codes:
                if code.key in fresh:
                    fresh.discard(code.key)
                    self._emit(code, *timeline.stamp(step.at), sink)

    def _step(self, capture: Any, gate: RateGate, clock: _FrameClock) -> _Step | None:
        """(worker thread) Read frames until one is due, decode it; None at the end."""
        while True:
            if not capture.grab():
                return None
            at = clock.tick()
            if not gate.due(at):
                continue
            if self.kind != "file":
                at = _drain(capture, clock, at)
            ok, frame = capture.retrieve()
            if not ok or frame is None:
                return None
            started = time.perf_counter()
            codes = self._decoder.decode(frame)
            self._decode_s += time.perf_counter() - started
            self._frames += 1
            return _Step(at, codes)

    def _open(self) -> Any:
        """(worker thread) An opened capture; DriverError says what is wrong."""
        target = self.target
        if self.kind == "file" and not Path(str(target)).is_file():
            raise DriverError(f"video file {target} not found")
        try:
            if self.kind == "stream":
                ms = int(self.settings.stall_timeout_s * 1000)
                params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, ms]
                capture = cv2.VideoCapture(str(target), cv2.CAP_FFMPEG, params)
            else:
                capture = cv2.VideoCapture(target)
        except cv2.error as err:
            raise DriverError(f"cannot open {target!r}: {err}") from err
        if not capture.isOpened():
            capture.release()
            what = {"device": "camera", "stream": "stream", "file": "video file"}[self.kind]
            raise DriverError(
                f"{what} {target!r} cannot be opened (not present, busy or unreadable)"
            )
        if self.kind == "device":
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.settings.width)
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.settings.height)
            capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # keep only the newest frame in the driver
        return capture

    def _emit(self, code: Decoded, wall: datetime, mono: int, sink: ReadSink) -> None:
        self._health.reads += 1
        read = RawRead(code.text, "camera", code.symbology, wall, mono, aim=code.aim)
        sink(read)

    async def _finished(self, reason: str) -> None:
        """A played video file: report how it ended, then idle until the agent stops."""
        truncated = reason.startswith("video ended early")
        self._health.state = DriverState.FAILED if truncated else DriverState.STOPPED
        if truncated:
            self._health.last_error = f"{self.target}: {reason}"
            _LOGGER.error("%s: %s", self._name, self._health.last_error)
        else:
            _LOGGER.info("%s: %s", self._name, reason)
        self._health.details["video"] = reason
        await asyncio.Event().wait()


class _FrameClock:
    """Frame times: a file's own timeline (index / fps), or seconds since opening for live."""

    def __init__(self, kind: str, fps: float) -> None:
        self.kind = kind
        self.fps = fps
        self.index = 0
        self._origin = time.monotonic()

    def tick(self) -> float:
        self.index += 1
        if self.kind == "file":
            return (self.index - 1) / self.fps
        return time.monotonic() - self._origin


def _drain(capture: Any, clock: _FrameClock, at: float) -> float:
    """Skip frames that were already waiting, so the newest one is decoded."""
    quick = 0.5 / clock.fps
    for _ in range(_DRAIN_MAX):
        started = time.perf_counter()
        if not capture.grab():
            break
        at = clock.tick()
        if time.perf_counter() - started > quick:
            break  # that frame was not buffered: we are live
    return at


def _ending(frames: int, total: int, kind: str) -> str:
    if kind == "file" and total > 0 and frames < total:
        return f"video ended early at frame {frames} of {total} (truncated or corrupt?)"
    return f"end of video after {frames} frames" if kind == "file" else "capture returned no frame"


def _target(camera: int | str) -> int | str:
    if isinstance(camera, str) and camera.strip().isdigit():
        return int(camera)
    return camera


def _kind(target: int | str) -> str:
    if isinstance(target, int) or str(target).startswith("/dev/video"):
        return "device"
    return "stream" if "://" in str(target) else "file"
