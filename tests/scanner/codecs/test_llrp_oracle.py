"""Cross-check with sllurp 3.0.5 (a GPL-3.0 dev dependency used only here, as a test oracle):
what our codec encodes decodes in sllurp to the same values, and what sllurp encodes decodes in
ours. sllurp decodes only reader -> client messages and encodes only client -> reader ones, so
each direction is checked where sllurp can."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sllurp.llrp import LLRPMessage
from sllurp.llrp_proto import LLRPROSpec

from scanner.codecs import llrp as L
from scanner.codecs.llrp_params import SELECT_STATION_DEFAULT, LLRPStatus
from scanner.codecs.llrp_reports import ReaderEvent, TagReport
from scanner.codecs.llrp_spec import EVENT_ANTENNA, ReaderConfig


def sllurp_decode(message: L.Message) -> Any:
    return LLRPMessage(msgbytes=L.encode(message)).msgdict[message.name]


def sllurp_encode(msgdict: dict[str, Any]) -> L.Message:
    return L.decode(LLRPMessage(msgdict=msgdict).msgbytes)


def _expected(tag: TagReport) -> dict[str, Any]:
    fields = {
        "EPC": tag.epc.hex().encode(),
        "AntennaID": tag.antenna,
        "PeakRSSI": tag.peak_rssi,
        "FirstSeenTimestampUTC": tag.first_seen_us,
        "LastSeenTimestampUTC": tag.last_seen_us,
        "TagSeenCount": tag.seen_count,
        "ChannelIndex": tag.channel_index,
        "ROSpecID": tag.rospec_id,
        "ImpinjPeakRSSI": tag.impinj_peak_rssi_cdbm,
    }
    return {k: v for k, v in fields.items() if v is not None}


u16 = st.none() | st.integers(0, 0xFFFF)
tags = st.builds(
    TagReport,
    epc=st.binary(min_size=2, max_size=32).filter(lambda e: len(e) % 2 == 0),
    antenna=u16,
    peak_rssi=st.none() | st.integers(-128, 127),
    first_seen_us=st.none() | st.integers(0, 2**64 - 1),
    last_seen_us=st.none() | st.integers(0, 2**64 - 1),
    seen_count=u16,
    channel_index=u16,
    rospec_id=st.none() | st.integers(0, 2**32 - 1),
    impinj_peak_rssi_cdbm=st.none() | st.integers(-32768, 32767),
)


@given(st.lists(tags, min_size=1, max_size=6))
def test_sllurp_decodes_our_ro_access_report(reports):
    decoded = sllurp_decode(L.ro_access_report(3, reports))["TagReportData"]
    assert [{k: d[k] for k in _expected(t)} for d, t in zip(decoded, reports, strict=True)] == [
        _expected(t) for t in reports
    ]


def test_sllurp_decodes_our_events_and_statuses():
    event = ReaderEvent(1_700_000_000_000_000, connection_attempt=2, antenna_events=((3, False),))
    data = sllurp_decode(L.reader_event_notification(4, event))["ReaderEventNotificationData"]
    assert data["UTCTimestamp"]["Microseconds"] == 1_700_000_000_000_000
    assert data["AntennaEvent"] == {"AntennaID": 3, "EventType": "Disconnected"}
    assert data["ConnectionAttemptEvent"]["Status"].startswith("Failed (a Client initiated")
    failed = L.status_message(L.ADD_ROSPEC_RESPONSE, 5, LLRPStatus(101, "bad", error_field=2))
    status = sllurp_decode(failed)["LLRPStatus"]
    assert (status["StatusCode"], status["ErrorDescription"]) == ("FieldError", b"bad")
    assert status["FieldError"]["FieldNum"] == 2
    ok = sllurp_decode(L.status_message(L.START_ROSPEC_RESPONSE, 6, LLRPStatus()))
    assert ok["LLRPStatus"]["StatusCode"] == "Success"
    assert sllurp_decode(L.keepalive(7)) == {"Ver": 1, "Type": 62, "ID": 7}


SELECTOR = {
    "EnableROSpecID": False,
    "EnableSpecIndex": False,
    "EnableInventoryParameterSpecID": False,
    "EnableAntennaID": True,
    "EnableChannelIndex": True,
    "EnablePeakRSSI": True,
    "EnableFirstSeenTimestamp": True,
    "EnableLastSeenTimestamp": True,
    "EnableTagSeenCount": True,
    "EnableAccessSpecID": False,
}


@given(
    st.lists(st.integers(1, 4), min_size=1, max_size=4, unique=True),
    st.integers(0, 3),
    st.integers(1, 90),
    st.integers(1, 1000),
)
def test_we_decode_sllurps_add_rospec(antennas, session, power, population):
    rospec = LLRPROSpec(
        {"ModeIdentifier": 1002, "MaxTari": 25000},
        9,
        antennas=antennas,
        tx_power=dict.fromkeys(antennas, power),
        tag_content_selector=SELECTOR,
        session=session,
        tag_population=population,
    )
    message = sllurp_encode({"ADD_ROSPEC": {"ID": 12, "ROSpecID": 9, "ROSpec": rospec}})
    spec = L.rospec_of(message)
    assert (message.message_id, spec.rospec_id, spec.antennas) == (12, 9, tuple(antennas))
    assert (spec.tx_power_index, spec.session, spec.tag_population) == (power, session, population)
    assert spec.content == SELECT_STATION_DEFAULT and spec.start_immediate


def test_we_decode_sllurps_requests():
    for mtype, name in [(L.START_ROSPEC, "START_ROSPEC"), (L.DELETE_ROSPEC, "DELETE_ROSPEC")]:
        message = sllurp_encode({name: {"ID": 3, "ROSpecID": 7}})
        assert (message.type, message.message_id, L.rospec_id_of(message)) == (mtype, 3, 7)
    assert sllurp_encode({"KEEPALIVE_ACK": {"ID": 4}}) == L.keepalive_ack(4)
    assert sllurp_encode({"CLOSE_CONNECTION": {"ID": 5}}) == L.close_connection(5)
    caps = sllurp_encode({"GET_READER_CAPABILITIES": {"ID": 6, "RequestedData": 0}})
    assert caps == L.get_reader_capabilities(6)
    config = {
        "ID": 8,
        "ResetToFactoryDefaults": False,
        "KeepaliveSpec": {"KeepaliveTriggerType": 1, "TimeInterval": 10000},
        "ReaderEventNotificationSpec": {"EventNotificationState": {"AntennaEvent": True}},
    }
    got = L.reader_config_of(sllurp_encode({"SET_READER_CONFIG": config}))
    assert got == ReaderConfig(False, 10000, (EVENT_ANTENNA,))
