from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import chafon as c
from scanner.profiles import load_profile
from scanner.protocols.chafon_session import ChafonConfig, ChafonSession
from scanner.protocols.uhf_actions import (
    Action,
    NoAnswer,
    ProtocolError,
    ReaderFault,
    Ready,
    Restarted,
    Send,
    TagSeen,
)
from scanner.protocols.uhf_session import State

EPC = bytes.fromhex("E28011606000020A1B2C3D4E")


def _config(profile_id: str, **quirks: object) -> ChafonConfig:
    profile = load_profile(profile_id)
    assert profile.rfid is not None
    merged = {**profile.quirks, **quirks}
    return ChafonConfig.from_profile(profile.rfid, merged)  # type: ignore[arg-type]


def _sent(actions: list[Action]) -> list[c.ChafonFrame]:
    framer = c.ChafonFramer(responses=False)
    return [f for a in actions if isinstance(a, Send) for f in framer.feed(a.data)]


def _reply(cmd: int, status: int = 0, data: bytes = b"", address: int = 0) -> bytes:
    return c.encode_response(address, cmd, status, data)


INFO = bytes([2, 36, 0x03, 0x03, 0x3E, 0x00, 30, 10])


def _streaming(profile_id: str = "chafon-cf-ru5102", **quirks: object) -> ChafonSession:
    s = ChafonSession(_config(profile_id, **quirks))
    s.start(0.0)
    s.receive_data(_reply(c.CMD_READER_INFO, 0, INFO), 0.01)
    s.receive_data(_reply(c.CMD_SET_POWER), 0.02)
    if s.config.dialect == "uhfreader18":
        s.receive_data(_reply(c.CMD_SET_SCAN_TIME), 0.03)
    if s.config.mode == "scan":
        s.receive_data(_reply(c.CMD_SET_WORK_MODE), 0.04)
    assert s.state is State.STREAMING
    return s


def test_chafon_session_probe_setup_then_polls_inventory():
    s = ChafonSession(_config("chafon-cf-ru5102"))
    first = _sent(s.start(0.0))
    assert [(f.address, f.cmd) for f in first] == [(0xFF, c.CMD_READER_INFO)]
    power = _sent(s.receive_data(_reply(c.CMD_READER_INFO, 0, INFO), 0.1))
    assert [(f.cmd, f.data) for f in power] == [(c.CMD_SET_POWER, bytes([26]))]
    scan = _sent(s.receive_data(_reply(c.CMD_SET_POWER), 0.2))
    assert [(f.cmd, f.data) for f in scan] == [(c.CMD_SET_SCAN_TIME, bytes([10]))]
    actions = s.receive_data(_reply(c.CMD_SET_SCAN_TIME), 0.3)
    assert isinstance(actions[0], Ready) and "CF-RU5102" in actions[0].description
    assert [f.cmd for f in _sent(actions)] == [c.CMD_INVENTORY]
    # 6b: the wait for a round is tied to ScanTime (10 x 100 ms) plus the answer timeout
    assert s.deadline() == pytest.approx(0.3 + 1.0 + 0.5)


def test_chafon_session_more_frames_then_done_emits_tags_and_polls_again():
    s = _streaming()
    tag = c.ChafonTag(EPC)
    more = c.encode_inventory_reply(0, c.STATUS_MORE_FRAMES, [tag], with_antenna_rssi=False)
    actions = s.receive_data(more, 1.0)
    assert actions == [TagSeen(EPC.hex().upper(), 1, None)]
    done = c.encode_inventory_reply(0, c.STATUS_DONE, [tag, tag], with_antenna_rssi=False)
    actions = s.receive_data(done, 1.1)
    assert [a for a in actions if isinstance(a, TagSeen)] == [
        TagSeen(EPC.hex().upper(), 1, None)
    ] * 2
    assert [f.cmd for f in _sent(actions)] == [c.CMD_INVENTORY]


@pytest.mark.parametrize("no_tag", [_reply(1, c.STATUS_DONE, b"\x00"), _reply(1, c.STATUS_NO_TAG)])
def test_chafon_session_no_tag_either_way_just_polls_again(no_tag):
    s = _streaming()
    actions = s.receive_data(no_tag, 1.0)
    assert [f.cmd for f in _sent(actions)] == [c.CMD_INVENTORY]
    assert not [a for a in actions if isinstance(a, (TagSeen, ReaderFault))]


def test_chafon_session_288_polls_each_port_with_antenna_and_rssi():
    s = _streaming("chafon-cf-ru6402", chafon_rssi_offset_db=129)
    sent = []
    for port in (1, 2, 3, 4):
        tag = c.ChafonTag(EPC, port, 80)
        reply = c.encode_inventory_reply(
            0, c.STATUS_DONE, [tag], with_antenna_rssi=True, antenna=port
        )
        actions = s.receive_data(reply, float(port))
        assert actions[0] == TagSeen(EPC.hex().upper(), port, -49.0)
        sent += _sent(actions)
    assert [f.data[7] for f in sent] == [0x81, 0x82, 0x83, 0x80]  # Ant = 0x80 + n, in turn


def test_chafon_session_reader_errors_are_reported_and_polling_goes_on():
    s = _streaming()
    actions = s.receive_data(_reply(1, c.STATUS_ANTENNA_ERROR), 1.0)
    faults = [a for a in actions if isinstance(a, ReaderFault)]
    assert len(faults) == 1 and "antenna error" in faults[0].message and not faults[0].fatal
    assert [f.cmd for f in _sent(actions)] == [c.CMD_INVENTORY]


def test_chafon_session_refused_setup_is_fatal():
    s = ChafonSession(_config("chafon-cf-ru5102"))
    s.start(0.0)
    s.receive_data(_reply(c.CMD_READER_INFO, 0, INFO), 0.1)
    actions = s.receive_data(_reply(c.CMD_SET_POWER, 0xFF), 0.2)
    assert actions == [ReaderFault("set RF power refused: parameter error", fatal=True)]
    assert s.state is State.FAILED


def test_chafon_session_silent_probe_gives_no_answer_with_garbage_count():
    s = ChafonSession(_config("chafon-cf-ru5102"))
    s.start(0.0)
    s.receive_data(b"\x01\x02\x03", 0.1)
    retry = s.tick(0.6)
    frames = _sent(retry)
    # the retry first leaves scan mode (0x35 Read_mode 00), then asks again
    assert [(f.cmd, f.data[:1]) for f in frames] == [(0x35, b"\x00"), (0x21, b"")]
    assert s.tick(1.2) == [NoAnswer(3)]


def test_chafon_session_round_timeout_means_restart():
    s = _streaming()
    due = s.deadline()
    assert due is not None
    actions = s.tick(due)
    assert isinstance(actions[0], Restarted)
    assert s.state is State.PROBING
    assert [f.cmd for f in _sent(actions)] == [c.CMD_READER_INFO]


def test_chafon_session_scan_mode_pushes_and_keepalive():
    s = _streaming("zkhy-zk-rfid102")
    push = _reply(c.RECMD_SCAN_PUSH, 0, EPC)
    assert s.receive_data(push, 1.0) == [TagSeen(EPC.hex().upper(), 1, None)]
    assert s.receive_data(_reply(c.RECMD_SCAN_PUSH, c.STATUS_EAS_ALARM), 1.1) == []
    # silence is normal in scan mode: ask for the work mode, and carry on when answered
    assert s.tick(6.0) == []  # the EAS frame at 1.1 was a sign of life too
    ask = s.tick(6.1)
    assert [f.cmd for f in _sent(ask)] == [c.CMD_GET_WORK_MODE]
    assert s.receive_data(_reply(c.CMD_GET_WORK_MODE, 0, bytes(6)), 6.2) == []
    assert s.state is State.STREAMING
    assert s.deadline() == pytest.approx(11.2)
    # no answer to the keep-alive: the reader is gone, set it up again
    assert [f.cmd for f in _sent(s.tick(11.2))] == [c.CMD_GET_WORK_MODE]
    actions = s.tick(11.7)
    assert isinstance(actions[0], Restarted)


def test_chafon_session_probe_sees_scan_pushes_and_leaves_scan_mode_once():
    s = ChafonSession(_config("chafon-cf-ru5102"))
    s.start(0.0)
    push = _reply(c.RECMD_SCAN_PUSH, 0, EPC)
    first = _sent(s.receive_data(push + push, 0.1))
    assert [(f.cmd, f.data[0]) for f in first] == [(c.CMD_SET_WORK_MODE, 0)]


def test_chafon_session_stop_in_scan_mode_leaves_scan_mode():
    s = _streaming("zkhy-zk-rfid102")
    frames = _sent(s.stop(2.0))
    assert [(f.cmd, f.data[0]) for f in frames] == [(c.CMD_SET_WORK_MODE, 0)]
    s.receive_data(_reply(c.CMD_SET_WORK_MODE), 2.1)
    assert s.state is State.STOPPED


def test_chafon_session_stop_in_answer_mode_waits_for_the_round():
    s = _streaming()
    assert s.stop(2.0) == []
    s.receive_data(_reply(1, c.STATUS_DONE, b"\x00"), 2.1)
    assert s.state is State.STOPPED
    with pytest.raises(ProtocolError):
        s.start(3.0)


def test_chafon_session_ignores_other_addresses_when_configured():
    cfg = _config("chafon-cf-ru5102")
    s = ChafonSession(dataclasses.replace(cfg, address=0x05))
    s.start(0.0)
    assert s.receive_data(_reply(c.CMD_READER_INFO, 0, INFO, address=0x06), 0.1) == []
    assert s.table.ignored == 1


@pytest.mark.parametrize(
    "quirks",
    [
        {"chafon_dialect": "uhfreader99"},
        {"chafon_work_mode": "trigger"},
        {"chafon_scan_time": 1},
        {"chafon_dialect": "uhfreader288", "chafon_work_mode": "scan"},
    ],
)
def test_chafon_config_rejects_bad_quirks(quirks):
    with pytest.raises(c.ChafonError):
        _config("chafon-cf-ru5102", **quirks)


@given(
    st.lists(st.binary(max_size=40), max_size=30),
    st.sampled_from(["chafon-cf-ru5102", "zkhy-zk-rfid102", "chafon-cf-ru6402"]),
)
def test_chafon_session_survives_any_reader_bytes(chunks, profile_id):
    s = _streaming(profile_id)
    now = 1.0
    for chunk in chunks:
        now += 0.05
        for action in s.receive_data(chunk, now) + s.tick(now):
            assert isinstance(action, (Send, TagSeen, ReaderFault, Ready, Restarted, NoAnswer))
    assert s.state in (
        State.STREAMING,
        State.PROBING,
        State.CONFIGURING,
        State.STARTING,
        State.FAILED,
    )


def test_chafon_session_unrecognised_inventory_is_fatal():
    s = _streaming()
    actions = s.receive_data(_reply(c.RECMD_UNKNOWN, 0xFE), 1.0)
    assert len(actions) == 1 and isinstance(actions[0], ReaderFault) and actions[0].fatal
    assert "chafon_dialect" in actions[0].message
    assert s.state is State.FAILED


_FRAMES = st.builds(
    lambda cmd, status, data: _reply(cmd, status, data),
    st.sampled_from(sorted(c.KNOWN_RECMDS)),
    st.sampled_from([0x00, 0x01, 0x02, 0x03, 0x04, 0x28, 0xEE, 0xF8, 0xFB, 0xFE, 0xFF]),
    st.binary(max_size=30),
)
_STEPS = st.lists(
    st.one_of(_FRAMES.map(lambda f: ("frame", f)), st.floats(0.0, 3.0).map(lambda t: ("time", t))),
    max_size=40,
)


@given(
    st.sampled_from(["chafon-cf-ru5102", "zkhy-zk-rfid102", "chafon-cf-ru6402"]),
    st.integers(0, 4),
    _STEPS,
    st.booleans(),
)
def test_chafon_session_any_valid_frame_in_any_state_keeps_it_defined(
    profile_id, setup_replies, steps, stop
):
    s = ChafonSession(_config(profile_id))
    s.start(0.0)
    script = [
        _reply(c.CMD_READER_INFO, 0, INFO),
        _reply(c.CMD_SET_POWER),
        _reply(c.CMD_SET_SCAN_TIME),
        _reply(c.CMD_SET_WORK_MODE),
    ]
    for reply in script[:setup_replies]:
        s.receive_data(reply, 0.01)
    now = 0.1
    if stop:
        s.stop(now)
    for kind, value in steps:
        if kind == "time":
            now += float(value)
            actions = s.tick(now)
        else:
            actions = s.receive_data(bytes(value), now)
        for action in actions:
            assert isinstance(action, (Send, TagSeen, ReaderFault, Ready, Restarted, NoAnswer))
            if isinstance(action, TagSeen):
                assert action.epc == action.epc.upper() and 1 <= action.antenna <= 4
        # a live session always waits for something; only an ended one has no deadline
        assert (s.deadline() is None) == (s.state in (State.STOPPED, State.FAILED))
