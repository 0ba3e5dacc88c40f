"""A small, realistic site for UI tests and screenshots, written through the real services:
users, locations, people, assets (via the CSV importer), devices and synced events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from sync_server.services import auth, registry
from sync_server.services.importer import import_csv
from sync_server.services.ingest import SyncContext, ingest_batch, parse_batch

ADMIN = ("alice", "admin-password-1")
VIEWER = ("victor", "viewer-password-1")

_LOCATIONS = [
    ("HQ", "Head office", None),
    ("WH1", "Warehouse 1", None),
    ("WH1-A", "Warehouse 1 · Zone A", "WH1"),
    ("WH1-DOCK3", "Warehouse 1 · Dock 3", "WH1"),
    ("LAB", "Test lab", "HQ"),
]
_PEOPLE = [("EMP-042", "Ada Lovelace"), ("EMP-007", "Grace Hopper"), ("EMP-101", "Alan Turing")]
_ASSETS_CSV = """Asset Tag,Item Name,Category,Model name,Serial number,Location,Purchase Date,\
Purchase Cost,Barcode
AST-000101,MacBook Pro 14,Laptops,MacBook Pro 14 M3,C02XK1JHJG5H,HQ,2024-03-15,2199.00,AST-000101
AST-000102,ThinkPad T14,Laptops,ThinkPad T14 Gen 4,PF3ABC12,HQ,2023-11-02,1349.50,AST-000102
AST-000103,Fluke 87V multimeter,Test equipment,87V,FL-55510,LAB,2021-05-10,429.00,AST-000103
AST-000104,Oscilloscope,Test equipment,Rigol DS1054Z,DS1ZA2020,LAB,2022-01-19,399.00,AST-000104
AST-000105,Pallet jack,Warehouse,Jungheinrich AM 22,JH-88213,WH1,2019-08-01,650.00,AST-000105
AST-000106,Zebra ZT411 printer,Printers,ZT411,ZT41-99120,WH1,2023-02-14,1890.00,AST-000106
AST-000107,Cordless drill,Tools,Makita DHP486,MK-DHP-771,WH1,2024-06-01,259.99,AST-000107
AST-000108,Projector,AV,Epson EB-L200F,EP-L200-33,HQ,2022-09-09,1149.00,AST-000108
AST-000109,Handheld RFID reader,Scanners,Zebra RFD40,RFD40-1102,WH1,2024-01-08,1520.00,AST-000109
AST-000110,Torque wrench,Tools,Norbar 130101,NB-130101-4,WH1,2020-03-30,310.00,AST-000110
"""


@dataclass(frozen=True)
class Site:
    """What was seeded: the admin and viewer logins and the devices' ids."""

    admin: tuple[str, str] = ADMIN
    viewer: tuple[str, str] = VIEWER
    devices: tuple[str, ...] = ("dock3-portal", "handheld-7", "desk-scanner")


_PORTAL: dict[str, Any] = {"source": "rfid", "symbology": None, "read_point": "WH1-DOCK3"}


def _event(seq: int, code: str, at: datetime, **fields: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "seq": seq,
        "type": "sighting",
        "code": code,
        "source": "wand",
        "symbology": "code128",
        "observed_at": at.isoformat(),
        "boot_id": "boot-1",
        "mono_ns": seq * 1_000_000,
    }
    ev.update(fields)
    return ev


def _sync(session: Session, device_id: str, events: list[dict[str, Any]], now: datetime) -> None:
    body = {
        "wire_version": 1,
        "batch_id": str(uuid.uuid4()),
        "device_id": device_id,
        "stream_id": str(uuid.uuid4()),
        "clock": {"boot_id": "boot-1", "mono_ns": 10**12, "wall": now.isoformat()},
        "events": events,
    }
    ctx = SyncContext(device_id=device_id, receipt=now, error_ns=10**9, tolerance_ns=10**15)
    ingest_batch(session, parse_batch(body), ctx)


def _registry(session: Session) -> None:
    for code, name, parent in _LOCATIONS:
        registry.create_location(session, registry.LocationIn(code=code, name=name, parent=parent))
    for code, name in _PEOPLE:
        registry.create_person(session, registry.PersonIn(code=code, name=name))
    registry.create_read_point(
        session, registry.ReadPointIn(code="WH1-DOCK3", location="WH1-DOCK3")
    )


def seed_site(engine: Engine, now: datetime | None = None) -> Site:
    """Fill an empty, migrated database with the sample site; returns its logins."""
    now = now or datetime.now(UTC)
    site = Site()
    with Session(engine) as session:
        auth.add_user(session, *ADMIN[:1], role="admin", password=ADMIN[1])
        auth.add_user(session, *VIEWER[:1], role="viewer", password=VIEWER[1])
        _registry(session)
        import_csv(session, _ASSETS_CSV.encode(), now)
        for device in site.devices:
            auth.enroll_device(session, device, "WH1-DOCK3" if "dock" in device else None)

        def ago(minutes: int) -> datetime:
            return now - timedelta(minutes=minutes)

        _sync(
            session,
            "handheld-7",
            [
                _event(1, "AST-000103", ago(300), location="LAB"),
                _event(2, "AST-000104", ago(290), location="LAB"),
                _event(3, "AST-000101", ago(240), location="HQ"),
                _event(4, "AST-000107", ago(200), location="WH1-A"),
                _event(5, "AST-000107", ago(90), type="checkout", custodian="EMP-042",
                       due_back=(now.date() - timedelta(days=2)).isoformat(), location="WH1-A"),
                _event(6, "AST-000103", ago(60), type="checkout", custodian="EMP-007",
                       due_back=(now.date() + timedelta(days=5)).isoformat(), location="LAB"),
                _event(7, "UNKNOWN-77", ago(45), location="WH1-A"),
            ],
            ago(40),
        )  # fmt: skip
        _sync(
            session,
            "dock3-portal",
            [
                _event(1, "AST-000105", ago(30), **_PORTAL),
                _event(2, "AST-000106", ago(12), **_PORTAL),
                _event(3, "AST-000103", ago(8), location="WH1-A"),
                _event(4, "E2801160600002041F58A84B", ago(5), source="rfid", symbology="epc",
                       read_point="WH1-DOCK3"),
            ],
            ago(4),
        )  # fmt: skip
        session.commit()
    return site


def overdue_tag() -> str:
    """The seeded asset whose due-back date has passed."""
    return "AST-000107"
