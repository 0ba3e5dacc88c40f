from __future__ import annotations

import asyncio
import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs.barcode import decode_scan
from scanner.codecs.framing import LineFramer
from scanner.profiles import load_profiles
from scanner.profiles.wand import WandSettings
from scanner.sim.pty import PtyPair
from scanner.sim.wand import WandSim

WAND_PROFILES = [p for p in load_profiles().values() if p.driver == "serial_wand"]
CODES = st.text(
    alphabet=st.sampled_from("ABCXYZ0123456789-./: \x1d"), min_size=1, max_size=60
).filter(lambda c: c.strip(" \x1d"))
AIMS = st.sampled_from([None, "]C0", "]C1", "]d2", "]Q3", "]E0"])


@pytest.mark.parametrize("profile", WAND_PROFILES, ids=lambda p: p.id)
@given(code=CODES, aim=AIMS)
def test_wand_sim_frames_decode_back_to_the_code(profile, code, aim):
    with PtyPair() as pty:
        sim = WandSim(profile, pty)
        wand = profile.wand or WandSettings()
        frame = sim.frame((aim or "") + code)
        lines = LineFramer(wand.terminator.encode(), wand.max_line).feed(frame)
        assert len(lines) == 1
        scan = decode_scan(lines[0], wand)
        assert scan.code == code
        assert scan.aim == ((aim or "]C0") if wand.aim_ids else None)


def test_wand_sim_frame_has_prefix_suffix_and_terminator():
    profile = WAND_PROFILES[0].model_copy(
        update={"wand": WandSettings(prefix="<", suffix=">", terminator="\r")}
    )
    with PtyPair() as pty:
        assert WandSim(profile, pty).frame("]C1010950110153000317") == (
            b"<]C1010950110153000317>\r"
        )


async def test_wand_sim_waits_on_a_full_pty_without_blocking_the_loop():
    with PtyPair() as pty:
        sim = WandSim(WAND_PROFILES[0], pty)
        typing = asyncio.create_task(sim.send_raw(b"X" * 1_000_000))  # nobody reads
        ticks = 0
        for _ in range(20):
            await asyncio.sleep(0.005)
            ticks += 1
        assert ticks == 20 and not typing.done()
        typing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await typing
