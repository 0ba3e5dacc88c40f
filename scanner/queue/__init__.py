"""The durable outbox (design/sync.md): SQLite store, frozen batches, group commit. No HTTP."""

from scanner.queue.schema import SCHEMA_VERSION, SchemaError
from scanner.queue.store import Batch, DeadLetter, Outbox, QueueFullError
from scanner.queue.writer import GroupWriter

__all__ = [
    "SCHEMA_VERSION",
    "Batch",
    "DeadLetter",
    "GroupWriter",
    "Outbox",
    "QueueFullError",
    "SchemaError",
]
