"""The sans-IO LLRP session driven by reader messages built with the codec, byte for byte."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.codecs import llrp as L
from scanner.codecs.llrp_params import Capabilities, LLRPStatus
from scanner.codecs.llrp_reports import ReaderEvent, TagReport
from scanner.codecs.llrp_spec import EVENT_ANTENNA, ROSpecConfig
from scanner.protocols.llrp_session import (
    TRANSITIONS,
    Closed,
    LlrpSession,
    LlrpSettings,
    ReaderNotice,
    State,
    TagsReported,
)
from scanner.protocols.uhf_actions import ProtocolError, ReaderFault, Ready, Send

SPEC = ROSpecConfig(rospec_id=7, antennas=(1, 2, 3, 4), tx_power_index=81, session=2)
CAPS = Capabilities(max_antennas=4, manufacturer=25882, model=2001002, firmware="5.14.0")
TAG = TagReport(bytes.fromhex("E28011606000020A1B2C3D4E"), antenna=2, peak_rssi=-61)
GREETING = L.encode(L.reader_event_notification(0, ReaderEvent(1, connection_attempt=0)))
SETUP = [
    L.GET_READER_CAPABILITIES,
    L.SET_READER_CONFIG,
    L.DELETE_ROSPEC,
    L.ADD_ROSPEC,
    L.ENABLE_ROSPEC,
    L.START_ROSPEC,
]


def sent(actions) -> list[L.Message]:
    return [L.decode(a.data) for a in actions if isinstance(a, Send)]


def only_fault(actions) -> ReaderFault:
    (fault,) = actions
    assert isinstance(fault, ReaderFault)
    return fault


def answer(request: L.Message, status: LLRPStatus | None = None) -> bytes:
    """What a reader answers to `request`, with `status` (success by default)."""
    status = status or LLRPStatus()
    if request.type == L.GET_READER_CAPABILITIES and status.ok:
        return L.encode(L.capabilities_response(request.message_id, CAPS))
    return L.encode(L.status_message(L.RESPONSE_OF[request.type], request.message_id, status))


def streaming(settings: LlrpSettings | None = None) -> tuple[LlrpSession, list[L.Message]]:
    session = LlrpSession(settings or LlrpSettings(SPEC))
    assert session.start(0.0) == []
    actions = session.receive_data(GREETING, 0.1)
    requests: list[L.Message] = []
    while not session.streaming:
        (request,) = sent(actions)
        requests.append(request)
        actions = session.receive_data(answer(request), 0.2)
    assert isinstance(actions[-1], Ready)
    return session, requests


def test_setup_sends_the_requests_in_order_with_the_settings():
    session, requests = streaming(LlrpSettings(SPEC, keepalive_ms=5000))
    assert [r.type for r in requests] == SETUP
    assert L.reader_config_of(requests[1]).keepalive_ms == 5000
    assert EVENT_ANTENNA in L.reader_config_of(requests[1]).events
    assert L.rospec_id_of(requests[2]) == 0  # clear leftovers of an earlier client
    assert L.rospec_of(requests[3]) == SPEC  # start trigger null: START_ROSPEC starts it
    assert L.rospec_id_of(requests[4]) == L.rospec_id_of(requests[5]) == 7
    assert len({r.message_id for r in requests}) == len(requests)
    assert session.capabilities == CAPS


def test_ready_names_the_reader():
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    actions = session.receive_data(GREETING, 0.0)
    while not session.streaming:
        actions = session.receive_data(answer(sent(actions)[0]), 0.0)
    assert actions == [Ready("LLRP reader (Impinj, model 2001002, firmware 5.14.0, 4 antennas)")]


def test_reports_keepalives_and_events_while_streaming():
    session, _ = streaming()
    report = L.encode(L.ro_access_report(50, [TAG, TAG]))
    assert session.receive_data(report, 1.0) == [TagsReported((TAG, TAG))]
    assert sent(session.receive_data(L.encode(L.keepalive(51)), 2.0)) == [L.keepalive_ack(51)]
    event = ReaderEvent(3, antenna_events=((3, False),))
    notice = session.receive_data(L.encode(L.reader_event_notification(52, event)), 3.0)
    assert notice == [ReaderNotice(event)]


def test_stop_stops_deletes_and_closes_passing_late_reports_on():
    session, _ = streaming()
    (stop,) = sent(session.stop(1.0))
    assert (stop.type, L.rospec_id_of(stop)) == (L.STOP_ROSPEC, 7)
    late = L.encode(L.ro_access_report(60, [TAG]))
    actions = session.receive_data(late + answer(stop), 1.1)
    assert actions[0] == TagsReported((TAG,))
    (delete,) = sent(actions)
    assert (delete.type, L.rospec_id_of(delete)) == (L.DELETE_ROSPEC, 7)
    (close,) = sent(session.receive_data(answer(delete), 1.2))
    assert close.type == L.CLOSE_CONNECTION
    assert session.receive_data(answer(close), 1.3) == [Closed()]
    assert session.state is State.CLOSED and session.deadline() is None


def test_a_second_client_is_refused():
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    busy = L.encode(L.reader_event_notification(0, ReaderEvent(1, connection_attempt=2)))
    fault = only_fault(session.receive_data(busy, 0.1))
    assert fault == ReaderFault(
        "reader refused the connection (failed: a client-initiated connection already exists)",
        fatal=True,
    )
    assert session.state is State.FAILED


@pytest.mark.parametrize("step", range(len(SETUP)))
def test_a_refused_setup_step_fails_the_session(step):
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    actions = session.receive_data(GREETING, 0.0)
    for _ in range(step):
        actions = session.receive_data(answer(sent(actions)[0]), 0.0)
    (request,) = sent(actions)
    refusal = answer(request, LLRPStatus(101, "bad field", error_field=1))
    fault = only_fault(session.receive_data(refusal, 0.0))
    assert fault == ReaderFault(f"{request.name} refused: FieldError bad field", fatal=True)
    assert session.state is State.FAILED


def test_error_message_for_the_pending_request_fails_the_session():
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    (request,) = sent(session.receive_data(GREETING, 0.0))
    error = L.status_message(L.ERROR_MESSAGE, request.message_id, LLRPStatus(109))
    fault = only_fault(session.receive_data(L.encode(error), 0.0))
    assert fault.fatal and "UnsupportedMessage" in fault.message


def test_an_antenna_the_reader_lacks_fails_the_session():
    session = LlrpSession(LlrpSettings(ROSpecConfig(1, antennas=(1, 8))))
    session.start(0.0)
    (request,) = sent(session.receive_data(GREETING, 0.0))
    fault = only_fault(session.receive_data(answer(request), 0.0))
    assert fault == ReaderFault("antenna 8 asked for, the reader has 4", fatal=True)


def test_response_timeout_and_stale_responses():
    session = LlrpSession(LlrpSettings(SPEC, response_timeout_s=2.0))
    session.start(0.0)
    (request,) = sent(session.receive_data(GREETING, 1.0))
    assert request.type == L.GET_READER_CAPABILITIES
    stale = L.encode(L.status_message(L.SET_READER_CONFIG_RESPONSE, 999, LLRPStatus()))
    assert session.receive_data(stale, 1.5) == [] and session.ignored == 1
    assert session.deadline() == 3.0 and session.tick(2.9) == []
    fault = only_fault(session.tick(3.0))
    assert fault == ReaderFault("no answer to GET_READER_CAPABILITIES", fatal=True)


def test_no_greeting_times_out():
    session = LlrpSession(LlrpSettings(SPEC, response_timeout_s=2.0))
    session.start(0.0)
    assert session.tick(2.0) == [ReaderFault("the reader did not greet the connection", True)]


def test_keepalive_silence_means_a_dead_connection():
    session, _ = streaming(LlrpSettings(SPEC, keepalive_ms=1000, dead_after_keepalives=3))
    session.receive_data(L.encode(L.keepalive(9)), 10.0)
    assert session.deadline() == 13.0 and session.tick(12.9) == []
    fault = only_fault(session.tick(13.0))
    assert fault.fatal and fault.message == "no message from the reader for 3.0 s"
    assert session.state is State.FAILED
    # Reports that were already on the wire still come through.
    assert session.receive_data(L.encode(L.ro_access_report(1, [TAG])), 13.1) == [
        TagsReported((TAG,))
    ]


def test_garbage_breaks_the_connection_and_later_bytes_are_ignored():
    session, _ = streaming()
    fault = only_fault(session.receive_data(b"\xff" * 12, 1.0))
    assert fault.fatal and fault.message.startswith("not LLRP: unsupported LLRP version")
    assert session.receive_data(L.encode(L.keepalive(1)), 1.1) == []


def test_stop_during_setup_deletes_and_closes():
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    actions = session.receive_data(GREETING, 0.0)
    for _ in range(4):
        actions = session.receive_data(answer(sent(actions)[0]), 0.0)
    (enable,) = sent(actions)
    (delete,) = sent(session.stop(0.5))
    assert delete.type == L.DELETE_ROSPEC and session.receive_data(answer(enable), 0.6) == []
    (close,) = sent(session.receive_data(answer(delete), 0.7))
    assert session.receive_data(answer(close), 0.8) == [Closed()]


def test_shutdown_is_best_effort():
    session, _ = streaming()
    (stop,) = sent(session.stop(1.0))
    actions = session.receive_data(answer(stop, LLRPStatus(401, "busy")), 1.1)
    assert actions[0] == ReaderFault("STOP_ROSPEC refused: DeviceError busy")
    assert sent(actions)[0].type == L.DELETE_ROSPEC
    assert session.tick(1.1 + 5.0) == [Closed("no answer to DELETE_ROSPEC")]


def test_api_calls_out_of_order_raise_and_change_nothing():
    session, _ = streaming()
    with pytest.raises(ProtocolError):
        session.start(1.0)
    assert session.streaming
    session.stop(1.0)
    with pytest.raises(ProtocolError):
        session.stop(1.0)
    assert LlrpSession(LlrpSettings(SPEC)).stop(0.0) == [Closed()]


def test_every_state_is_reachable_and_ends_closed_or_failed():
    reachable, frontier = {State.IDLE}, [State.IDLE]
    while frontier:
        state = frontier.pop()
        for (src, _event), dst in TRANSITIONS.items():
            if src is state and dst not in reachable:
                reachable.add(dst)
                frontier.append(dst)
    assert reachable == set(State)
    assert not any(src is State.CLOSED for src, _ in TRANSITIONS)


def _reader_stream() -> list[bytes]:
    """Everything a reader sends in a session, recorded once by answering each request."""
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    chunks, actions = [GREETING], session.receive_data(GREETING, 0.0)
    while not session.streaming:
        chunks.append(answer(sent(actions)[0]))
        actions = session.receive_data(chunks[-1], 0.0)
    chunks += [L.encode(L.ro_access_report(i, [TAG] * i)) for i in range(1, 4)]
    chunks.append(L.encode(L.keepalive(77)))
    return chunks


STREAM = b"".join(_reader_stream())


@given(st.lists(st.integers(0, len(STREAM)), max_size=25))
def test_any_split_of_the_reader_stream_gives_the_same_actions(cuts):
    whole = LlrpSession(LlrpSettings(SPEC))
    whole.start(0.0)
    expected = whole.receive_data(STREAM, 0.0)
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    bounds = [0, *sorted(set(cuts)), len(STREAM)]
    got = [a for x, y in itertools.pairwise(bounds) for a in session.receive_data(STREAM[x:y], 0.0)]
    assert got == expected and session.streaming


@given(st.binary(max_size=300), st.integers(0, len(STREAM)))
def test_random_bytes_never_raise(data, cut):
    session = LlrpSession(LlrpSettings(SPEC))
    session.start(0.0)
    session.receive_data(STREAM[:cut], 0.0)
    for action in session.receive_data(data, 0.1):
        assert isinstance(action, (Send, TagsReported, ReaderNotice, Ready, ReaderFault, Closed))
    session.tick(100.0)
