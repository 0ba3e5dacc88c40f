from __future__ import annotations

import random

import pytest

from scanner.sim.uhf_base import (
    LineFaults,
    ReadSchedule,
    TagPopulation,
    termios_speed,
    usable_epcs,
)

EPC_A = "E28011606000020A1B2C3D4E"
EPC_B = "300833B2DDD9014000000001"


def test_read_schedule_keeps_the_rate_without_drift():
    schedule = ReadSchedule(rate=30.0)
    assert schedule.due(10.0) == 0
    total = sum(schedule.due(10.0 + i * 0.013) for i in range(1, 1001))
    assert total == int(13.0 * 30.0)


def test_tag_population_picks_only_tags_an_antenna_sees():
    population = TagPopulation([], random.Random(1), jitter_db=2.0)
    population.place(EPC_A, antennas=(1,), rssi=-70.0)
    population.place(EPC_B, antennas=(2, 3), rssi=-40.0)
    picks = [population.pick([2]) for _ in range(50)]
    assert {(p[0].hex().upper(), p[1]) for p in picks if p} == {(EPC_B, 2)}
    assert all(p is not None and -42 <= p[2] <= -38 for p in picks)
    assert population.pick([4]) is None
    population.remove(EPC_B)
    assert population.pick([2]) is None


def test_tag_population_rejects_odd_epcs():
    with pytest.raises(ValueError, match="whole 16-bit words"):
        TagPopulation(["ABC"], random.Random(0))


def test_usable_epcs_leaves_out_text():
    assert usable_epcs([EPC_A, "LOC:DOCK", "ABC", ""]) == [EPC_A]


def test_line_faults_drop_and_corrupt_at_their_rates():
    faults = LineFaults(drop_rate=0.1, corrupt_rate=0.1)
    data = bytes(10_000)
    out = faults.apply(data, random.Random(5))
    assert 800 < faults.dropped < 1200 and 800 < faults.corrupted < 1200
    assert len(out) == len(data) - faults.dropped
    assert LineFaults().apply(data, random.Random(5)) == data


def test_termios_speed_names_the_rate():
    import termios

    assert termios_speed(115200) == termios.B115200
    with pytest.raises(ValueError, match="12345"):
        termios_speed(12345)


def test_sim_places_its_tags_at_the_configured_rssi():
    from scanner.sim.mercury import MercurySim
    from scanner.sim.pty import PtyPair

    with PtyPair() as pty:
        sim = MercurySim(pty, tags=[EPC_A, EPC_B], rate=1, rssi=-72.0)
        assert {t.rssi for t in sim.population.tags.values()} == {-72.0}
