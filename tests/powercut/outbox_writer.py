"""Child process for the outbox power-cut test: appends and acknowledges through the real
`Outbox` until it is killed, printing each step only after the call that made it returned.

    python -m tests.powercut.outbox_writer QUEUE_PATH SEED [SYNCHRONOUS]

SYNCHRONOUS (e.g. NORMAL) weakens the connection after opening: the harness's own control.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime
from pathlib import Path

from scanner.events import EventDraft
from scanner.queue import Outbox

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def code_of(seq: int) -> str:
    """The code the writer gives the event that gets `seq` (checked after the cut)."""
    return f"AST-{seq:07d}"


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    """Append and acknowledge forever; print `stream`, `appended N`, `acked N` lines."""
    box = Outbox(Path(argv[0]))
    if len(argv) > 2:
        box._conn.execute(f"PRAGMA synchronous = {argv[2]}")
    rng = random.Random(int(argv[1]))
    _say(f"stream {box.stream_id}")
    while True:
        first = box.committed_seq() + 1
        drafts = [
            EventDraft("sighting", code_of(seq), "wand", T0, boot_id="b", mono_ns=seq)
            for seq in range(first, first + rng.randint(1, 40))
        ]
        seqs = box.append(drafts)
        _say(f"appended {seqs[-1]}")
        if rng.random() < 0.3:
            batch = box.next_batch(max_events=rng.randint(1, 120))
            if batch is not None:
                box.ack(batch, hwm=batch.last_seq)
                _say(f"acked {batch.last_seq}")


if __name__ == "__main__":
    main(sys.argv[1:])
