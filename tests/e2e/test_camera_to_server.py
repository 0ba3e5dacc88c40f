"""Camera -> agent -> server, end to end: a video file (generated here) in which a location
label and then an asset label pass the camera, played by a real `scanstation agent` and
synced to a real `scanstation server`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scanner.camera.corpus import render, write_video
from tests.e2e.stack import Proc, Site, wait_until

pytestmark = pytest.mark.timeout(300)
ASSET = "AST-000888"


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    # One database is enough here: the wand and HID end-to-end tests cover PostgreSQL.
    s = Site(db=f"sqlite:///{tmp_path / 'server.db'}", work=tmp_path)
    s.prepare("e2e-cam")
    await s.start_server()
    try:
        yield s
    finally:
        if s.server is not None:
            await s.server.stop()


def station(site: Site, camera: str) -> Path:
    path = site.work / "station.toml"
    path.write_text(
        "[station]\n"
        'device_id = "e2e-cam"\n'
        f'server = "{site.url}"\n'
        'token_file = "device.token"\n'
        'queue = "queue.db"\n'
        'location = "WH1"\n'
        "sync_interval_s = 0.2\n"
        "[[sources]]\n"
        'profile = "generic-usb-camera"\n'
        f'camera = "{camera}"\n'
        "[[sources]]\n"
        'profile = "generic-usb-camera"\n'
        'name = "missing-camera"\n'
        "camera = 57\n",
        encoding="utf-8",
    )
    return path


async def test_e2e_camera_location_label_then_asset(site: Site):
    await site.create("locations", {"code": "WH1", "name": "Warehouse 1"})
    await site.create("locations", {"code": "WH1-B", "name": "Zone B", "parent": "WH1"})
    await site.create(
        "assets",
        {"asset_tag": ASSET, "name": "Projector", "home_location": "WH1", "barcode": ASSET},
    )
    video = site.work / "desk.avi"
    passes = [(0.3, 1.0, render("LOC:WH1-B", "qr", 6)), (1.4, 2.2, render(ASSET, "code128", 2))]
    write_video(video, passes, seconds=2.6)
    # A second source whose camera index does not exist: the agent keeps running regardless.
    agent = Proc(["agent", "--config", str(station(site, str(video)))], site.work / "agent.log")
    agent.start()
    try:

        async def seen_in_zone_b() -> bool:
            assert agent.alive(), agent.text()[-3000:]
            asset = await site.lookup(ASSET)
            return bool(asset and asset["last_seen"] and asset["last_seen"]["location"] == "WH1-B")

        await wait_until(seen_in_zone_b, "the asset seen by the camera at WH1-B", within=30)
        asset = await site.lookup(ASSET)
        assert asset is not None
        assert asset["last_seen"]["source"] == "camera"
        assert asset["last_seen"]["device_id"] == "e2e-cam"
        assert agent.alive()
    finally:
        await agent.stop()
    assert "camera 57 cannot be opened" in agent.text()
