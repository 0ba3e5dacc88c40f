"""A NUL or an unpaired surrogate in any text field of one event rejects that event alone (it
is listed in `rejected`, held for review, and counts as held); the rest of the batch is stored.
On both databases: PostgreSQL text cannot hold NUL at all."""

from __future__ import annotations

import json
import uuid

from sqlmodel import Session, select

from sync_server.models import RejectedEvent
from tests.sync_server.conftest import Server, batch, bearer, event

URL = "/api/v1/sync/batches"
TEXT_FIELDS = ["code", "symbology", "boot_id", "read_point", "location", "audit_id",
               "custodian", "operator", "type", "source", "direction"]  # fmt: skip
BAD = {"nul": "A\x00B", "surrogate": "A\ud800B"}


def _raw_body(body: dict[str, object]) -> bytes:
    # json.dumps keeps a lone surrogate as the escape \ud800, as a device's JSON would.
    return json.dumps(body, ensure_ascii=True).encode()


async def test_sync_bad_text_in_any_field_rejects_only_that_event(server: Server) -> None:
    token = server.enroll("d1")
    stream = str(uuid.uuid4())
    events, bad_seqs = [event(1)], []
    for field in TEXT_FIELDS:  # every text field, each bad kind, between good events
        for kind in sorted(BAD):
            bad = event(len(events) + 1, **{field: BAD[kind]})
            if field == "custodian":
                bad["type"] = "checkout"
            bad_seqs.append(bad["seq"])
            events += [bad, event(len(events) + 2, f"GOOD-{len(events)}")]
    body = batch("d1", events, stream)
    headers = {**bearer(token), "Content-Type": "application/json"}
    r = await server.client.post(URL, content=_raw_body(body), headers=headers)
    assert r.status_code == 200, r.text
    ack = r.json()
    assert [rej["seq"] for rej in ack["rejected"]] == bad_seqs
    assert (ack["inserted"], ack["hwm"]) == (len(events) - len(bad_seqs), len(events))
    with Session(server.engine) as s:
        held = s.exec(select(RejectedEvent)).all()
        assert sorted(h.seq for h in held) == bad_seqs
        assert all("\x00" not in h.body + h.reason for h in held)
    again = await server.client.post(URL, content=_raw_body(body), headers=headers)
    assert again.json()["duplicates"] == len(events)
