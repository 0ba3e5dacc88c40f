"""HID keyboard wedge -> agent -> server, end to end: a recorded key-event stream (evemu trace)
replayed through the HID driver's event path inside a real `scanstation agent`, synced to a
real `scanstation server`. No /dev/input needed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from scanner.codecs.hid_keys import DE, US, KeyLayout, encode_text, format_evemu
from tests.e2e.stack import Proc, Site, wait_until

pytestmark = pytest.mark.timeout(300)
ASSET = "AST-000777"


@pytest.fixture
async def site(db_url: str, tmp_path: Path) -> AsyncIterator[Site]:
    s = Site(db=db_url, work=tmp_path)
    s.prepare("e2e-hid")
    await s.start_server()
    try:
        yield s
    finally:
        if s.server is not None:
            await s.server.stop()


def recording(scans: list[str], layout: KeyLayout, gap_s: float = 0.2) -> str:
    """A wedge typing each scan at 1 ms per event, `gap_s` between scans; the last one has no
    terminator (it is flushed by the inter-key timeout)."""
    events, now = [], 0.0
    for index, scan in enumerate(scans):
        last = index == len(scans) - 1
        for etype, code, value in encode_text(scan, layout, terminator=None if last else "enter"):
            events.append((etype, code, value, now))
            now += 0.001
        now += gap_s
    return format_evemu(events)


def station(site: Site, profile: str, device: Path) -> Path:
    path = site.work / "station.toml"
    path.write_text(
        "[station]\n"
        'device_id = "e2e-hid"\n'
        f'server = "{site.url}"\n'
        'token_file = "device.token"\n'
        'queue = "queue.db"\n'
        'location = "WH1"\n'
        "sync_interval_s = 0.2\n"
        "[[sources]]\n"
        f'profile = "{profile}"\n'
        f'device = "{device}"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("profile", "layout"), [("honeywell-voyager-1250g", US), ("zebra-ds2208-hid", DE)]
)
async def test_e2e_hid_wedge_location_checkout(site: Site, profile: str, layout: KeyLayout):
    await site.create("locations", {"code": "WH1", "name": "Warehouse 1"})
    await site.create("locations", {"code": "WH1-A", "name": "Zone A", "parent": "WH1"})
    await site.create("people", {"code": "EMP-042", "name": "Ada Lovelace"})
    await site.create(
        "assets",
        {"asset_tag": ASSET, "name": "Scanner cart", "home_location": "WH1", "barcode": ASSET},
    )
    trace = site.work / "wedge.evemu"
    trace.write_text(recording(["LOC:WH1-A", "EMP:EMP-042", ASSET], layout))
    agent = Proc(["agent", "--config", str(station(site, profile, trace))], site.work / "agent.log")
    agent.start()
    try:

        async def checked_out() -> bool:
            assert agent.alive(), agent.text()[-3000:]
            asset = await site.lookup(ASSET)
            return bool(asset and asset["custodian"] == "EMP-042" and asset["last_seen"])

        await wait_until(checked_out, "the asset checked out to EMP-042 at WH1-A", within=30)
        asset = await site.lookup(ASSET)
        assert asset is not None
        assert asset["last_seen"]["location"] == "WH1-A"
        assert asset["last_seen"]["source"] == "wand"
        assert asset["last_seen"]["device_id"] == "e2e-hid"
    finally:
        await agent.stop()
