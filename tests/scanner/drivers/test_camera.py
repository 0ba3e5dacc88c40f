from __future__ import annotations

import asyncio
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from scanner.camera.corpus import render, write_video
from scanner.drivers.base import DriverError, DriverState
from scanner.drivers.camera import CameraDriver
from scanner.profiles import load_profile
from scanner.settings import SourceConfig, StationSection
from tests.scanner.drivers.driver_harness import Reads, eventually, running

STATION = StationSection(device_id="desk-cam", server="http://127.0.0.1:9")
FPS = 20
SIZE = (640, 480)


def _label(kind: str, text: str) -> np.ndarray:
    return render(text, kind, 2 if kind == "code128" else 6)


def write_pass_video(
    path: Path, passes: list[tuple[float, float, np.ndarray]], seconds: float
) -> None:
    write_video(path, passes, seconds, fps=FPS, size=SIZE)


def _driver(camera: int | str, profile: str = "generic-usb-camera", **kw) -> CameraDriver:
    return CameraDriver(
        load_profile(profile), SourceConfig(profile=profile, camera=camera), STATION, **kw
    )


@pytest.fixture(scope="module")
def three_labels_video(tmp_path_factory) -> Path:
    path: Path = tmp_path_factory.mktemp("video") / "conveyor.avi"
    a = _label("code128", "AST-000001")
    b = _label("qr", "https://id.example.com/asset/2")
    c = _label("datamatrix", "AST-000003")
    passes = [(0.5, 1.5, a), (2.0, 2.8, b), (3.2, 4.0, c), (4.6, 5.4, a)]
    write_pass_video(path, passes, seconds=6.0)
    return path


async def test_video_three_labels_one_twice_gives_exactly_four_reads(three_labels_video):
    driver = _driver(str(three_labels_video), pace_files=False)
    reads = Reads()
    async with running(driver, reads):
        await eventually(lambda: "video" in driver.health().details, 30)
    assert [(r.code, r.symbology, r.source) for r in reads] == [
        ("AST-000001", "code128", "camera"),
        ("https://id.example.com/asset/2", "qr", "camera"),
        ("AST-000003", "datamatrix", "camera"),
        ("AST-000001", "code128", "camera"),
    ]
    offsets = [(r.mono_ns - reads[0].mono_ns) / 1e9 for r in reads]
    for offset, entered in zip(offsets, [0.0, 1.5, 2.7, 4.1], strict=True):
        assert entered <= offset <= entered + 0.25, offsets
    assert all(r.aim in ("]C0", "]Q1", "]d1") for r in reads)
    assert driver.health().state == DriverState.STOPPED
    assert "end of video after 120 frames" in driver.health().details["video"]


async def test_video_file_is_played_at_its_own_pace(tmp_path):
    path = tmp_path / "short.avi"
    write_pass_video(path, [(0.6, 1.2, _label("code128", "PACE-1"))], seconds=1.4)
    reads = Reads()
    started = time.monotonic()
    async with running(_driver(str(path)), reads):
        async with asyncio.timeout(10):
            await reads.changed.wait()
        assert time.monotonic() - started >= 0.5
    assert [r.code for r in reads] == ["PACE-1"]


async def test_truncated_video_is_reported_and_the_driver_keeps_running(tmp_path):
    path = tmp_path / "cut.avi"
    label = _label("code128", "EARLY-1")
    write_pass_video(path, [(0.2, 0.8, label), (3.0, 3.5, label)], seconds=4.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 777])  # stops in the middle of a frame
    driver = _driver(str(path), pace_files=False)
    reads = Reads()
    async with running(driver, reads) as task:
        await eventually(lambda: driver.health().state == DriverState.FAILED, 30)
        assert not task.done()
    assert [r.code for r in reads] == ["EARLY-1"]
    assert "ended early" in (driver.health().last_error or "")


async def test_camera_index_that_does_not_exist_is_retried_and_reported():
    driver = _driver(99, retry_base_s=0.01)
    async with running(driver, Reads()) as task:
        await eventually(
            lambda: driver.health().reconnects == 0 and driver.health().last_error is not None, 10
        )
        assert driver.health().state == DriverState.RECONNECTING
        assert "camera 99 cannot be opened" in (driver.health().last_error or "")
        assert not task.done()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),
        (b"", "cannot be opened"),
        (b"this is not a video\n" * 50, "cannot be opened"),
    ],
)
async def test_bad_video_files_are_clear_errors(tmp_path, content, expected):
    path = tmp_path / "clip.avi"
    if content is not None:
        path.write_bytes(content)
    driver = _driver(str(path), retry_base_s=0.01)
    async with running(driver, Reads()) as task:
        await eventually(lambda: driver.health().last_error is not None, 10)
        assert expected in (driver.health().last_error or "")
        assert not task.done()


def test_camera_source_is_required():
    with pytest.raises(DriverError, match="needs `camera`"):
        _driver(None)  # type: ignore[arg-type]


async def test_health_reports_decode_speed_and_zbar_fallback(three_labels_video):
    driver = _driver(str(three_labels_video), pace_files=False)
    async with running(driver, Reads()):
        await eventually(lambda: "video" in driver.health().details, 30)
    details = driver.health().details
    assert int(details["frames_decoded"]) == 60  # 10 Hz of a 6 s, 20 fps video
    assert float(details["decode_ms"]) > 0
    assert details["zbar_fallback"] in ("on", "off (libzbar0 missing)")


class MjpegServer:
    """An HTTP MJPEG stream (multipart/x-mixed-replace) that sends `frames` frames, then stalls
    with the connection open. Only the first connection shows the label."""

    def __init__(self, frames: int = 30) -> None:
        self.frames = frames
        self.connections = 0
        self.release = asyncio.Event()
        label = render("STREAM-1", "code128", 2)
        page = np.full((480, 640), 200, dtype=np.uint8)
        self.blank = cv2.imencode(".jpg", page)[1].tobytes()
        page[100 : 100 + label.shape[0], 50 : 50 + label.shape[1]] = label
        self.labelled = cv2.imencode(".jpg", page)[1].tobytes()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        data = self.labelled if self.connections == 1 else self.blank
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.0 200 OK\r\n")
            writer.write(b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n")
            for _ in range(self.frames):
                head = b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                writer.write(head % len(data) + data + b"\r\n")
                await writer.drain()
                await asyncio.sleep(0.04)
            await self.release.wait()  # the stall: connected, but no more frames
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def test_stalled_stream_is_reopened_and_reported():
    mjpeg = MjpegServer()
    server = await asyncio.start_server(mjpeg.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    profile = load_profile("generic-usb-camera")
    assert profile.camera is not None
    quick = profile.camera.model_copy(update={"stall_timeout_s": 1.0})
    profile = profile.model_copy(update={"camera": quick})
    source = SourceConfig(profile=profile.id, camera=f"http://127.0.0.1:{port}/live.mjpg")
    driver = CameraDriver(profile, source, STATION, retry_base_s=0.05)
    reads = Reads()
    try:
        async with running(driver, reads) as task:
            await eventually(lambda: driver.health().reconnects >= 1, 20)
            assert "no frame from" in (driver.health().last_error or "")
            assert driver.health().state == DriverState.CONNECTED
            assert not task.done()
    finally:
        mjpeg.release.set()
        server.close()
        await server.wait_closed()
    assert [r.code for r in reads] == ["STREAM-1"]
    assert mjpeg.connections >= 2


async def test_two_labels_in_view_together_are_two_reads(tmp_path):
    path = tmp_path / "pair.avi"
    passes = [(0.2, 1.2, _label("code128", "PAIR-A")), (0.2, 1.2, _label("qr", "PAIR-B"))]
    write_pass_video(path, passes, seconds=1.5)
    driver = _driver(str(path), pace_files=False)
    reads = Reads()
    async with running(driver, reads):
        await eventually(lambda: "video" in driver.health().details, 30)
    assert sorted(r.code for r in reads) == ["PAIR-A", "PAIR-B"]
    assert reads[0].mono_ns == reads[1].mono_ns
