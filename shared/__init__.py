"""What the edge agent and the sync server both import: wire models and identifier parsing."""

from shared.identifiers import IdentifierError, Identity, LabelPatterns, identify
from shared.wire import (
    MAX_BATCH_EVENTS,
    MAX_BODY_BYTES,
    WIRE_VERSION,
    BatchAck,
    BatchIn,
    ClockIn,
    EventIn,
    RejectedOut,
)

__all__ = [
    "MAX_BATCH_EVENTS",
    "MAX_BODY_BYTES",
    "WIRE_VERSION",
    "BatchAck",
    "BatchIn",
    "ClockIn",
    "EventIn",
    "IdentifierError",
    "Identity",
    "LabelPatterns",
    "RejectedOut",
    "identify",
]
