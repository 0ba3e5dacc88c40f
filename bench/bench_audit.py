"""Audit reconciliation and the handheld's expected-list download, on a fresh SQLite file and
(when reachable) a fresh PostgreSQL database.

- Reconciliation of an audit of a 100,000-asset location tree (1 site, 10 buildings, 100 zones)
  with 60,000 audit sightings (found, relocated, unexpected, unknown, weak), by the server's
  set-based path (services.audits.results.live: one query per input, then the shared pure
  reconcile), against a naive per-asset query (one SELECT per expected asset) timed on a sample
  and scaled to the whole list. Target: < 1 s on each backend.
- Expected-list download of a building with 10,000 assets (services.audits.expected
  .expected_now plus JSON encoding: the route's server time). Target: < 300 ms.

Run: .venv/bin/python bench/bench_audit.py [--pg URL] [--sqlite-only] [--naive-sample N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.models import Asset, AssetIdentifier, Event, Location
from sync_server.services.audits import core, expected, results

ASSETS, FOREIGN, READS = 100_000, 10_000, 60_000
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _zone(i: int) -> str:
    return f"B{i // 10 % 10}-Z{i % 10}"


def _pairs(rows: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, ident in rows:
        out[name] = ident
    return out


def _populate(session: Session) -> None:
    """The tree, 100,000 assets homed in it, 10,000 homed elsewhere, one key each."""
    conn = session.connection()
    loc = Location.__table__  # type: ignore[attr-defined]
    conn.execute(insert(loc), [{"code": "SITE", "name": "Site"}, {"code": "AWAY", "name": "Away"}])
    ids = _pairs(conn.execute(select(loc.c.code, loc.c.id)))
    for b in range(10):
        row = conn.execute(
            insert(loc).returning(loc.c.id),
            {"code": f"B{b}", "name": f"B{b}", "parent_id": ids["SITE"]},
        )
        parent = row.scalar_one()
        conn.execute(
            insert(loc),
            [{"code": f"B{b}-Z{z}", "name": f"Zone {z}", "parent_id": parent} for z in range(10)],
        )
    ids = _pairs(conn.execute(select(loc.c.code, loc.c.id)))
    now = datetime.now(UTC)
    rows = [
        {
            "asset_tag": f"AST-{i:06d}",
            "name": f"Asset {i}",
            "status": "active",
            "home_location_id": ids[_zone(i)] if i < ASSETS else ids["AWAY"],
            "created_at": now,
            "updated_at": now,
        }
        for i in range(ASSETS + FOREIGN)
    ]
    for start in range(0, len(rows), 10_000):
        conn.execute(insert(Asset.__table__), rows[start : start + 10_000])  # type: ignore[attr-defined]
    asset_ids = dict(conn.execute(select(Asset.__table__.c.asset_tag, Asset.__table__.c.id)).all())  # type: ignore[attr-defined]
    keys = [
        {"asset_id": aid, "scheme": "label", "value": tag, "key": f"tag/{tag}"}
        for tag, aid in asset_ids.items()
    ]
    for start in range(0, len(keys), 10_000):
        conn.execute(insert(AssetIdentifier.__table__), keys[start : start + 10_000])  # type: ignore[attr-defined]


def _reads(session: Session, audit_id: str) -> None:
    """60,000 audit sightings: 50,000 where expected, 5,000 in another zone, 3,000 foreign
    assets, 1,000 unknown codes, 1,000 weak reads."""
    assets = Asset.__table__  # type: ignore[attr-defined]
    aid = _pairs(session.connection().execute(select(assets.c.asset_tag, assets.c.id)))
    plan: list[tuple[str, str, bool]] = []
    plan += [(f"AST-{i:06d}", _zone(i), False) for i in range(50_000)]
    plan += [(f"AST-{i:06d}", _zone(i + 1), False) for i in range(50_000, 55_000)]
    plan += [(f"AST-{ASSETS + i:06d}", _zone(i), False) for i in range(3_000)]
    plan += [(f"UNKNOWN-{i}", _zone(i), False) for i in range(1_000)]
    plan += [(f"AST-{i:06d}", _zone(i), True) for i in range(60_000, 61_000)]
    stream = str(uuid.uuid4())
    rows = [
        {"stream_id": stream, "seq": n + 1, "device_id": "hh-1", "batch_id": stream,
         "type": "sighting", "code": code, "key": f"tag/{code}", "scheme": "label",
         "asset_id": aid.get(code), "source": "rfid" if weak else "wand",
         "observed_at": T0 + timedelta(milliseconds=n),
         "event_time": T0 + timedelta(milliseconds=n),
         "received_at": T0 + timedelta(hours=1), "boot_id": "b", "mono_ns": n, "location": loc,
         "resolved_location": loc, "read_count": 1, "audit_id": audit_id, "operator": "EMP-1",
         "weak": weak}
        for n, (code, loc, weak) in enumerate(plan)
    ]  # fmt: skip
    assert len(rows) == READS
    for start in range(0, len(rows), 10_000):
        session.connection().execute(insert(Event.__table__), rows[start : start + 10_000])  # type: ignore[attr-defined]


def _naive(session: Session, audit: Any, sample: int) -> tuple[float, dict[str, int]]:
    """Seconds for one query per expected asset, over `sample` assets, scaled to them all."""
    conn = session.connection()
    ex = results._X
    e = Event.__table__  # type: ignore[attr-defined]
    expected_ids = [
        r[0] for r in conn.execute(select(ex.c.asset_id).where(ex.c.audit_id == audit.id))
    ]
    q = select(e.c.resolved_location, e.c.weak).where(e.c.audit_id == audit.id)
    counts = {"found": 0, "missing": 0}
    began = time.perf_counter()
    for asset_id in expected_ids[:sample]:
        got = conn.execute(q.where(e.c.asset_id == asset_id)).all()
        counts["found" if any(not w for _, w in got) else "missing"] += 1
    per = (time.perf_counter() - began) / max(1, min(sample, len(expected_ids)))
    return per * len(expected_ids), counts


def run_backend(name: str, url: str, sample: int) -> bool:
    """Measure one backend; True when both targets are met."""
    upgrade_schema(url)
    engine = make_engine(url)
    try:
        with Session(writer(engine)) as s:
            _populate(s)
            audit = core.open_audit(s, core.OpenRequest("SITE"), "bench", T0)
            _reads(s, audit.id)
            s.commit()
            audit_id = audit.id
        with Session(engine) as s:
            audit = core.get_audit(s, audit_id)
            timings = []
            for _ in range(3):
                began = time.perf_counter()
                rec = results.live(s, audit, datetime.now(UTC))
                timings.append(time.perf_counter() - began)
            fast = min(timings)
            began = time.perf_counter()
            body = json.dumps(rec.to_json(), default=str)
            encode = time.perf_counter() - began
            naive, _ = _naive(s, audit, sample)
            downloads = []
            for _ in range(5):
                began = time.perf_counter()
                text = json.dumps(expected.expected_now(s, "B3", True, datetime.now(UTC)))
                downloads.append(time.perf_counter() - began)
            listed = json.loads(text)["count"]
    finally:
        engine.dispose()
    counts = rec.counts()
    runs = ", ".join(f"{t * 1000:.0f}" for t in timings)
    print(
        f"{name}: reconciliation of {counts['expected']:,} expected, {READS:,} reads: "
        f"{fast * 1000:,.0f} ms (best of 3; runs {runs} ms) -> {counts}"
    )
    print(
        f"{name}: naive per-asset queries (sampled {sample:,}, scaled): {naive:,.1f} s "
        f"= {naive / fast:,.0f}x slower"
    )
    print(
        f"{name}: reconciliation JSON ({len(body) / 1e6:.1f} MB) encoded in {encode * 1000:,.0f} ms"
    )
    down = statistics.median(downloads)
    print(
        f"{name}: expected-list download of {listed:,} assets: {down * 1000:,.0f} ms (median of 5)"
    )
    ok_rec, ok_down = fast < 1.0, down < 0.3
    print(
        f"{name}: target reconciliation < 1 s: {'PASS' if ok_rec else 'FAIL'}; "
        f"download < 300 ms: {'PASS' if ok_down else 'FAIL'}"
    )
    print(f"{name}: load average now: {os.getloadavg()[0]:.2f}")
    return ok_rec and ok_down


def _pg_database(base: str) -> tuple[str, str] | None:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"scanstation_bench_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        print(f"postgresql: skipped ({err})")
        return None
    return admin, url.set(database=name).render_as_string(hide_password=False)


def main() -> None:
    """Print the figures per backend against their targets; exit 1 if one is missed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("SCANSTATION_TEST_PG", PG_DEFAULT))
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--naive-sample", type=int, default=3_000)
    parser.add_argument("--dir", type=Path, default=Path.cwd(), help="disk for SQLite")
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-audit-", dir=args.dir) as tmp:
        ok &= run_backend("sqlite", f"sqlite:///{tmp}/server.db", args.naive_sample)
    created = _pg_database(args.pg) if args.pg and not args.sqlite_only else None
    if created is not None:
        admin, url = created
        try:
            ok &= run_backend("postgresql", url, args.naive_sample)
        finally:
            import psycopg

            name = url.rsplit("/", 1)[-1]
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
