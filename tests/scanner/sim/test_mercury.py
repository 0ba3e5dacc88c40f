from __future__ import annotations

import pytest

from scanner.codecs import mercury as m
from scanner.profiles import load_profile
from scanner.sim.mercury import MercurySim, make_sim
from scanner.sim.pty import PtyPair
from scanner.sim.registry import simulator_factory
from scanner.sim.uhf_base import LineFaults
from tests.scanner.sim.uhf_line import HostLine

EPC = "E28011606000020A1B2C3D4E"


def answer(host: HostLine, sim: MercurySim, command: bytes) -> m.MercuryFrame:
    return m.decode_response(host.ask(sim, command))


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (m.encode_command(0x55), m.STATUS_INVALID_OPCODE),
        (m.encode_command(m.OP_SET_REGION, b""), m.STATUS_WRONG_DATA_LENGTH),
        (m.encode_command(m.OP_SET_REGION, b"\x42"), m.STATUS_INVALID_REGION),
        (m.encode_set_read_power(3000), m.STATUS_POWER_TOO_HIGH),
        (m.encode_set_read_power(-100), m.STATUS_POWER_TOO_LOW),
        (m.encode_set_antennas([2]), m.STATUS_INVALID_ANTENNA_CONFIG),
        (m.encode_command(m.OP_SET_TAG_PROTOCOL, b"\x00\x03"), 0x0402),
        (m.encode_command(m.OP_MULTI_PROTOCOL_TAG_OP, b"\x00\x00\x04\x01\x03"), 0x0109),
        (m.encode_start_continuous(), m.STATUS_INVALID_REGION),  # no region set yet
    ],
)
def test_mercury_sim_answers_bad_commands_with_the_firmware_status(line, command, status):
    pty, host = line
    sim = MercurySim(pty, tags=[EPC], rate=10)
    frame = answer(host, sim, command)
    assert frame.opcode == command[2]
    assert frame.status == status


def test_mercury_sim_answers_version_and_settings(line):
    pty, host = line
    sim = MercurySim(pty, tags=[EPC], rate=10)
    version = m.decode_version(answer(host, sim, m.encode_command(m.OP_VERSION)).data)
    assert version.model == 0x30
    assert answer(host, sim, m.encode_set_region("EU3")).status == 0
    assert answer(host, sim, m.encode_command(m.OP_GET_REGION)).data == b"\x08"
    assert answer(host, sim, m.encode_set_read_power(2500)).status == 0
    got = answer(host, sim, m.encode_command(m.OP_GET_READ_TX_POWER, b"\x01"))
    assert got.data == b"\x01" + (2500).to_bytes(2, "big") + (2700).to_bytes(2, "big") + b"\0\0"


def test_mercury_sim_bootloader_refuses_application_commands(line):
    pty, host = line
    sim = MercurySim(pty, tags=[EPC], rate=10, start_in_bootloader=True)
    assert answer(host, sim, m.encode_command(m.OP_GET_CURRENT_PROGRAM)).data == b"\x01"
    assert answer(host, sim, m.encode_set_region("NA2")).status == m.STATUS_INVALID_OPCODE
    assert answer(host, sim, m.encode_command(m.OP_BOOT_FIRMWARE)).opcode == 0x04
    assert answer(host, sim, m.encode_set_region("NA2")).status == 0


def test_mercury_sim_streams_records_keepalives_and_stops(line):
    pty, host = line
    sim = MercurySim(pty, tags=[EPC], rate=100)
    host.ask(sim, m.encode_set_region("NA2"))
    ack = answer(host, sim, m.encode_start_continuous())
    assert ack.data[:1] == b"\x01"
    sim.emit_reads(0.5)
    frames = m.MercuryFramer().feed(host.read())
    tags = [m.decode_tag_record(f) for f in frames]
    assert len(tags) == 50 and all(t is not None and t.epc_hex == EPC for t in tags)
    sim.population.remove(EPC)
    sim.emit_reads(2.0)
    assert m.MercuryFramer().feed(host.read()) == [m.MercuryFrame(0x22, b"", 0x0400)]
    assert answer(host, sim, m.encode_stop_continuous()).data[:1] == b"\x02"
    assert not sim.streaming


def test_mercury_sim_reboot_sends_the_boot_message(line):
    pty, host = line
    sim = MercurySim(pty, tags=[EPC], rate=10)
    host.ask(sim, m.encode_set_region("NA2"))
    sim.reboot()
    frame = m.decode_response(host.read())
    assert frame.opcode == m.OP_BOOT_FIRMWARE and m.decode_version(frame.data).model == 0x30
    assert sim.region == 0


def test_mercury_sim_at_another_baud_rate_answers_junk():
    with PtyPair() as pty:
        host = HostLine(pty, baudrate=9600)
        sim = MercurySim(pty, tags=[EPC], rate=10, baudrate=115200)
        junk = host.ask(sim, m.encode_command(m.OP_VERSION))
        assert junk and m.SOH not in junk
        assert m.MercuryFramer().feed(junk) == []
        host.close()


def test_mercury_sim_line_faults_damage_frames(line):
    pty, host = line
    faults = LineFaults(corrupt_rate=0.5)
    sim = MercurySim(pty, tags=[EPC], rate=10, seed=7, faults=faults)
    framer = m.MercuryFramer()
    assert framer.feed(host.ask(sim, m.encode_command(m.OP_VERSION))) == []
    assert faults.corrupted > 0 and framer.dropped > 0


def test_mercury_make_sim_follows_the_profile_and_skips_non_epcs():
    profile = load_profile("thingmagic-m6e")
    assert simulator_factory("mercury") is make_sim
    with PtyPair() as pty:
        sim = make_sim(profile, pty, [EPC, "not-hex", "ABC"], rate=5.0, seed=1)
        assert sim.antennas == 4 and sim.power_limits == (500, 3150)
        assert list(sim.population.tags) == [bytes.fromhex(EPC)]
