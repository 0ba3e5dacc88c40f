"""Revision 0009_asset_tag_identity: assets registered before the tag became an identity
get it on upgrade, its tag's unknown-code events claimed and its state derived from them."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session

from sync_server.db import alembic_config, make_engine, upgrade_schema, writer
from sync_server.services.resolution import compute_state, read_state
from sync_server.services.views import asset_view, unknown_codes

T = datetime(2026, 3, 1, 12, 0)
REVISION = "0009_asset_tag_identity"


def _event(seq: int, code: str, minute: int, location: str | None) -> dict[str, object]:
    when = T.replace(minute=minute)
    return {
        "stream_id": "s-1", "seq": seq, "device_id": "w", "batch_id": "b", "type": "sighting",
        "code": code, "key": f"tag/{code}", "scheme": "label", "source": "wand",
        "observed_at": when, "event_time": when, "received_at": when, "boot_id": "x",
        "mono_ns": 0, "resolved_location": location, "read_count": 1,
    }  # fmt: skip


def test_upgrade_backfills_tag_identities_and_claims_unknown_codes(db_url):
    engine = make_engine(db_url)
    try:
        with writer(engine).begin() as conn:
            config = alembic_config(db_url)
            config.attributes["connection"] = conn
            before = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
            assert isinstance(before, str)
            command.upgrade(config, before)
        with writer(engine).begin() as conn:
            now = datetime.now(UTC).replace(tzinfo=None)
            for tag in ("AST-1", "AST-2", "LBL-X"):
                conn.execute(
                    text(
                        "INSERT INTO asset (asset_tag, name, status, created_at, updated_at) "
                        "VALUES (:t, :t, 'active', :n, :n)"
                    ),
                    {"t": tag, "n": now},
                )
            # AST-2 already carries its tag as a barcode; AST-1 holds LBL-X's tag as a label.
            for tag, key in (("AST-2", "tag/AST-2"), ("AST-1", "tag/LBL-X")):
                conn.execute(
                    text(
                        "INSERT INTO assetidentifier (asset_id, scheme, value, key) SELECT id, "
                        "'label', :v, :k FROM asset WHERE asset_tag = :t"
                    ),
                    {"t": tag, "v": key[4:], "k": key},
                )
            columns = ", ".join(_event(0, "", 0, None))
            values = ", ".join(f":{c}" for c in _event(0, "", 0, None))
            sql = text(f"INSERT INTO event ({columns}) VALUES ({values})")
            conn.execute(sql, _event(1, "AST-1", 30, "WH2"))
            conn.execute(sql, _event(2, "AST-1", 10, "WH1"))
            conn.execute(sql, _event(3, "GHOST", 20, "WH1"))
        upgrade_schema(db_url)
        with Session(engine) as s:
            one = asset_view(s, "AST-1")
            assert one.last_seen is not None and one.last_seen.location == "WH2"
            assert {i.key for i in one.identifiers} == {"tag/AST-1", "tag/LBL-X"}
            assert [i.key for i in asset_view(s, "AST-2").identifiers] == ["tag/AST-2"]
            assert asset_view(s, "LBL-X").identifiers == []  # held by AST-1: left alone
            assert [c.key for c in unknown_codes(s).items] == ["tag/GHOST"]
            assert read_state(s) == compute_state(s)
    finally:
        engine.dispose()
