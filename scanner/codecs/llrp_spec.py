"""LLRP 1.0.1 configuration parameters: the ROSpec a station adds (16.2.4) and the reader
configuration it sets (16.2.6). Sources as in `scanner.codecs.llrp_params`; see docs/llrp.md.
Pure: no IO.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.codecs.llrp_params import (
    P_AISPEC,
    P_AISPEC_STOP_TRIGGER,
    P_ANTENNA_CONFIGURATION,
    P_C1G2_INVENTORY_COMMAND,
    P_C1G2_SINGULATION_CONTROL,
    P_INVENTORY_PARAMETER_SPEC,
    P_KEEPALIVE_SPEC,
    P_RF_TRANSMITTER,
    P_RO_BOUNDARY_SPEC,
    P_RO_REPORT_SPEC,
    P_ROSPEC,
    P_ROSPEC_START_TRIGGER,
    P_ROSPEC_STOP_TRIGGER,
    P_TAG_REPORT_CONTENT_SELECTOR,
    SELECT_STATION_DEFAULT,
    LLRPError,
    Param,
    iter_params,
    pack,
    tlv,
    unpack,
)

P_READER_EVENT_NOTIFICATION_SPEC = 244
P_EVENT_NOTIFICATION_STATE = 245
PROTOCOL_EPC_C1G2 = 1  # InventoryParameterSpec ProtocolID (16.2.4.2.1)
START_NULL, START_IMMEDIATE = 0, 1  # ROSpecStartTrigger types
AISPEC_STOP_NULL, AISPEC_STOP_DURATION = 0, 1
REPORT_UPON_N_TAGS_OR_END_OF_AISPEC = 1  # ROReportTrigger (16.2.7.1)
# EventNotificationState event types (16.2.6.2) a station enables.
EVENT_BUFFER_FILL_WARNING = 3
EVENT_READER_EXCEPTION = 4
EVENT_ANTENNA = 8


@dataclass(frozen=True, slots=True)
class ROSpecConfig:
    """One ROSpec with one AISpec: what a station needs to inventory its antennas.

    `antennas` empty means all antennas (AntennaID 0). `duration_ms` None runs until stopped.
    `tx_power_index` indexes the reader's TransmitPowerLevelTable; `session` is the C1G2
    session (0-3) and `tag_population` its estimate. Both apply to every listed antenna.
    """

    rospec_id: int
    antennas: tuple[int, ...] = ()
    priority: int = 0
    start_immediate: bool = False
    duration_ms: int | None = None
    report_every_n: int = 1
    content: int = SELECT_STATION_DEFAULT
    tx_power_index: int | None = None
    session: int | None = None
    tag_population: int = 32
    inventory_spec_id: int = 1


def _antenna_configuration(spec: ROSpecConfig, antenna: int) -> bytes:
    subs = []
    if spec.tx_power_index is not None:
        subs.append(tlv(P_RF_TRANSMITTER, pack(">HHH", 1, 1, spec.tx_power_index)))
    if spec.session is not None:
        singulation = pack(">BHI", (spec.session & 3) << 6, spec.tag_population, 0)
        control = tlv(P_C1G2_SINGULATION_CONTROL, singulation)
        subs.append(tlv(P_C1G2_INVENTORY_COMMAND, b"\x00", control))
    return tlv(P_ANTENNA_CONFIGURATION, pack(">H", antenna), *subs)


def _aispec(spec: ROSpecConfig) -> bytes:
    antennas = spec.antennas or (0,)
    ids = pack(f">H{len(antennas)}H", len(antennas), *antennas)
    if spec.duration_ms is None:
        stop = pack(">BI", AISPEC_STOP_NULL, 0)
    else:
        stop = pack(">BI", AISPEC_STOP_DURATION, spec.duration_ms)
    configs = []
    if spec.tx_power_index is not None or spec.session is not None:
        configs = [_antenna_configuration(spec, a) for a in antennas]
    inventory = pack(">HB", spec.inventory_spec_id, PROTOCOL_EPC_C1G2)
    return tlv(
        P_AISPEC,
        ids,
        tlv(P_AISPEC_STOP_TRIGGER, stop),
        tlv(P_INVENTORY_PARAMETER_SPEC, inventory, *configs),
    )


def encode_rospec(spec: ROSpecConfig) -> bytes:
    """ROSpec (177) in the Disabled state, as ADD_ROSPEC carries it."""
    start = START_IMMEDIATE if spec.start_immediate else START_NULL
    boundary = tlv(
        P_RO_BOUNDARY_SPEC,
        b"",
        tlv(P_ROSPEC_START_TRIGGER, bytes([start])),
        tlv(P_ROSPEC_STOP_TRIGGER, pack(">BI", 0, 0)),
    )
    report = tlv(
        P_RO_REPORT_SPEC,
        pack(">BH", REPORT_UPON_N_TAGS_OR_END_OF_AISPEC, spec.report_every_n),
        tlv(P_TAG_REPORT_CONTENT_SELECTOR, pack(">H", spec.content)),
    )
    head = pack(">IBB", spec.rospec_id, spec.priority, 0)
    return tlv(P_ROSPEC, head, boundary, _aispec(spec), report)


def _children(param: Param, what: str) -> dict[int, Param]:
    if param.tv:
        raise LLRPError(f"{what} is a TV parameter")
    return {p.type: p for p in iter_params(_skip_fields(param))}


def _skip_fields(param: Param) -> bytes:
    sizes = {P_ROSPEC: 6, P_RO_REPORT_SPEC: 3, P_INVENTORY_PARAMETER_SPEC: 3}
    sizes |= {P_ANTENNA_CONFIGURATION: 2, P_C1G2_INVENTORY_COMMAND: 1}
    if param.type == P_AISPEC:
        (count,) = unpack(">H", param.body, "AISpec")
        return param.body[2 + 2 * count :]
    return param.body[sizes.get(param.type, 0) :]


def _antenna_settings(inventory: dict[int, Param]) -> dict[str, int]:
    config = inventory.get(P_ANTENNA_CONFIGURATION)
    if config is None:
        return {}
    found: dict[str, int] = {}
    subs = _children(config, "AntennaConfiguration")
    if P_RF_TRANSMITTER in subs:
        found["tx_power_index"] = unpack(">HHH", subs[P_RF_TRANSMITTER].body, "RFTransmitter")[2]
    command = subs.get(P_C1G2_INVENTORY_COMMAND)
    if command is not None:
        control = _children(command, "C1G2InventoryCommand").get(P_C1G2_SINGULATION_CONTROL)
        if control is not None:
            bits, population, _ = unpack(">BHI", control.body, "C1G2SingulationControl")
            found |= {"session": bits >> 6, "tag_population": population}
    return found


def _need(params: dict[int, Param], ptype: int, what: str) -> Param:
    param = params.get(ptype)
    if param is None or param.tv:
        raise LLRPError(f"missing {what}")
    return param


def _report_settings(top: dict[int, Param]) -> dict[str, int]:
    report = top.get(P_RO_REPORT_SPEC)
    if report is None:
        return {}
    found = {"report_every_n": unpack(">BH", report.body, "ROReportSpec")[1]}
    selector = _children(report, "ROReportSpec").get(P_TAG_REPORT_CONTENT_SELECTOR)
    if selector is not None:
        found["content"] = unpack(">H", selector.body, "selector")[0]
    return found


def decode_rospec(body: bytes) -> ROSpecConfig:
    """The body of an ADD_ROSPEC: its ROSpec, read back into an ROSpecConfig."""
    rospec = _need({p.type: p for p in iter_params(body)}, P_ROSPEC, "ROSpec")
    top = _children(rospec, "ROSpec")
    rospec_id, priority, _state = unpack(">IBB", rospec.body, "ROSpec")
    boundary = _children(_need(top, P_RO_BOUNDARY_SPEC, "ROBoundarySpec"), "ROBoundarySpec")
    start_trigger = _need(boundary, P_ROSPEC_START_TRIGGER, "ROSpecStartTrigger")
    start = unpack(">B", start_trigger.body, "ROSpecStartTrigger")[0]
    aispec = _need(top, P_AISPEC, "AISpec")
    ai = _children(aispec, "AISpec")
    (count,) = unpack(">H", aispec.body, "AISpec")
    antennas = unpack(f">{count + 1}H", aispec.body, "AISpec")[1:]
    stop = _need(ai, P_AISPEC_STOP_TRIGGER, "AISpecStopTrigger")
    kind, duration = unpack(">BI", stop.body, "AISpecStopTrigger")
    inventory_param = _need(ai, P_INVENTORY_PARAMETER_SPEC, "InventoryParameterSpec")
    inventory = _children(inventory_param, "InventoryParameterSpec")
    values = {"inventory_spec_id": unpack(">H", inventory_param.body, "InventoryParameterSpec")[0]}
    values |= _report_settings(top) | _antenna_settings(inventory)
    return ROSpecConfig(
        rospec_id,
        () if antennas == (0,) else antennas,
        priority,
        start == START_IMMEDIATE,
        duration if kind == AISPEC_STOP_DURATION else None,
        **values,
    )


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    """What SET_READER_CONFIG sets: factory reset, keepalive period, events to enable."""

    reset_to_factory: bool = False
    keepalive_ms: int | None = None
    events: tuple[int, ...] = ()


def encode_reader_config(config: ReaderConfig) -> bytes:
    """The SET_READER_CONFIG body."""
    subs = []
    if config.events:
        states = [
            tlv(P_EVENT_NOTIFICATION_STATE, pack(">HB", event, 0x80)) for event in config.events
        ]
        subs.append(tlv(P_READER_EVENT_NOTIFICATION_SPEC, b"", *states))
    if config.keepalive_ms is not None:
        subs.append(tlv(P_KEEPALIVE_SPEC, pack(">BI", 1, config.keepalive_ms)))
    return bytes([0x80 if config.reset_to_factory else 0]) + b"".join(subs)


def decode_reader_config(body: bytes) -> ReaderConfig:
    """A SET_READER_CONFIG body read back (events listed are the enabled ones)."""
    (flags,) = unpack(">B", body, "SET_READER_CONFIG")
    keepalive: int | None = None
    events: list[int] = []
    for p in iter_params(body[1:]):
        if p.type == P_KEEPALIVE_SPEC and not p.tv:
            kind, period = unpack(">BI", p.body, "KeepaliveSpec")
            keepalive = period if kind == 1 else None
        elif p.type == P_READER_EVENT_NOTIFICATION_SPEC and not p.tv:
            for state in iter_params(p.body):
                event, on = unpack(">HB", state.body, "EventNotificationState")
                if on & 0x80:
                    events.append(event)
    return ReaderConfig(bool(flags & 0x80), keepalive, tuple(events))
