from __future__ import annotations

import pytest

from scanner.codecs import r2000 as r
from scanner.profiles import load_profile
from scanner.sim.pty import PtyPair
from scanner.sim.r2000 import R2000Sim, make_sim
from scanner.sim.registry import simulator_factory
from tests.scanner.sim.uhf_line import HostLine

EPC = "E28011606000020A1B2C3D4E"


def answer(host: HostLine, sim: R2000Sim, command: bytes, now: float = 0.0) -> r.R2000Frame:
    return r.decode_frame(host.ask(sim, command, now))


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (r.encode_frame(0x01, 0x55), r.FAIL),
        (r.encode_frame(0x01, r.CMD_SET_WORK_ANTENNA, b"\x04"), r.ANTENNA_OUT_OF_RANGE),
        (r.encode_frame(0x01, r.CMD_SET_WORK_ANTENNA, b""), r.INVALID_PARAMETER),
        (r.encode_frame(0x01, r.CMD_SET_OUTPUT_POWER, b"\x22"), r.POWER_OUT_OF_RANGE),
        (r.encode_frame(0x01, r.CMD_SET_REGION, b"\x07\x00\x06"), r.REGION_OUT_OF_RANGE),
        (r.encode_frame(0x01, r.CMD_REAL_TIME_INVENTORY, b"\x00"), r.INVALID_PARAMETER),
        (r.encode_frame(0x01, r.CMD_SET_BAUD, b"\x09"), 0x4A),
    ],
)
def test_r2000_sim_answers_bad_commands_with_error_codes(line, command, code):
    pty, host = line
    frame = answer(host, R2000Sim(pty, tags=[EPC], rate=10), command)
    assert (frame.address, frame.cmd, frame.data) == (0x01, command[3], bytes([code]))


def test_r2000_sim_answers_broadcast_and_its_address_only(line):
    pty, host = line
    sim = R2000Sim(pty, tags=[EPC], rate=10, address=0x07)
    assert answer(host, sim, r.encode_frame(0xFF, 0x72)).data == b"\x08\x01"
    assert answer(host, sim, r.encode_frame(0x07, 0x72)).address == 0x07
    assert host.ask(sim, r.encode_frame(0x01, 0x72)) == b""


def test_r2000_sim_round_sends_tags_then_summary(line):
    pty, host = line
    sim = R2000Sim(pty, tags=[EPC], rate=200, round_s=0.05)
    assert answer(host, sim, r.encode_set_work_antenna(0x01, 3)).data == b"\x10"
    sim.emit_reads(0.0)
    assert host.ask(sim, r.encode_real_time_inventory(0x01, 2), 0.0) == b""
    sim.emit_reads(0.06)
    sim.emit_reads(0.12)
    items = [r.decode_inventory(f) for f in r.R2000Framer().feed(host.read())]
    tags = [i for i in items if isinstance(i, r.R2000TagRead)]
    assert {(t.epc_hex, t.antenna) for t in tags} == {(EPC, 3)}
    rate = round(len(tags) / 0.1)  # two rounds of 50 ms
    assert items[-1] == r.R2000RoundEnd(antenna=3, total_reads=len(tags), read_rate=rate)
    assert sim.rounds == 2 and sim.inventory is None


def test_r2000_sim_missing_antenna_and_no_tag_errors(line):
    pty, host = line
    sim = R2000Sim(pty, tags=[], rate=100, no_tag_as_error=True)
    sim.missing_antennas = {1}
    assert answer(host, sim, r.encode_real_time_inventory(0x01)).data == b"\x22"
    host.ask(sim, r.encode_set_work_antenna(0x01, 2))
    host.ask(sim, r.encode_real_time_inventory(0x01))
    sim.emit_reads(1.0)
    assert r.decode_frame(host.read()).data == bytes([r.NO_TAG])


def test_r2000_sim_reboot_is_silent_then_forgets(line):
    pty, host = line
    sim = R2000Sim(pty, tags=[EPC], rate=10, boot_silence_s=0.5)
    host.ask(sim, r.encode_set_work_antenna(0x01, 4))
    assert host.ask(sim, r.encode_frame(0x01, r.CMD_RESET), 1.0) == b""
    assert host.ask(sim, r.encode_frame(0x01, 0x72), 1.2) == b""  # still booting
    assert answer(host, sim, r.encode_frame(0x01, r.CMD_GET_WORK_ANTENNA), 1.6).data == b"\x00"


def test_r2000_sim_baud_change_answers_at_the_old_rate(line):
    pty, host = line
    sim = R2000Sim(pty, tags=[EPC], rate=10)
    assert answer(host, sim, r.encode_frame(0x01, r.CMD_SET_BAUD, b"\x03")).data == b"\x10"
    assert sim.baudrate == 38400
    junk = host.ask(sim, r.encode_frame(0x01, 0x72))
    assert junk and r.R2000Framer().feed(junk) == []


def test_r2000_make_sim_follows_the_profile():
    profile = load_profile("yanzeo-r2000")
    assert simulator_factory("r2000") is make_sim
    with PtyPair() as pty:
        sim = make_sim(profile, pty, [EPC], rate=5.0)
        assert (sim.address, sim.antennas, sim.max_power, sim.baudrate) == (1, 4, 33, 115200)
