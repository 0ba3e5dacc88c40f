"""Issue 8 part 3: a Snipe-IT asset export loses nothing. Every column with a meaning here is
mapped (custodian with a custody record, status, manufacturer, model and model number, home
and current location, EOL...), every other value is kept as a custom field, the summary names
where each column went, and a row whose field count is not the header's refuses the file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from sync_server.models import Asset, Event, Location
from sync_server.services.importer import AssetImportError, import_csv
from sync_server.services.views import asset_view, history

DATA = Path(__file__).parents[1] / "importer_data"
FULL = DATA / "snipeit_full_export.csv"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_full_export_maps_every_snipeit_column(session: Session) -> None:
    summary = import_csv(session, FULL.read_bytes(), NOW, operator="admin")
    session.commit()
    assert (summary.created, summary.updated) == (5, 0)
    laptop = session.exec(select(Asset).where(Asset.asset_tag == "LT-0001")).one()
    assert (laptop.name, laptop.manufacturer, laptop.model_name, laptop.model_number) == (
        "Ada's laptop", "Dell", "Latitude 5440", "P139G"
    )  # fmt: skip
    assert (laptop.category, laptop.serial_number, laptop.supplier) == (
        "Laptops", "5CD1234XYZ", "CDW"
    )  # fmt: skip
    assert laptop.useful_life_months == 36  # EOL 2027-01-15, bought 2024-01-15
    home = session.get(Location, laptop.home_location_id)
    assert home is not None and home.code == "IT Store"  # Default Location, not Location
    assert laptop.custom_fields == {
        "ID": "101",
        "Company": "Acme Ltd",
        "Location": "HQ Floor 3",
        "Status": "Deployed",
        "Warranty Expires": "2027-01-15",
        "Created At": "2024-01-15 10:00:00",
        "Updated At": "2025-01-10 09:00:00",
        "Last Audit": "2025-06-01",
        "Next Audit Date": "2026-06-01",
        "MAC Address": "00:1B:44:11:3A:B7",
    }
    statuses = dict(session.exec(select(Asset.asset_tag, Asset.status)).all())
    assert statuses == {
        "LT-0001": "active",
        "MN-0002": "active",
        "DR-0003": "repair",
        "PH-0004": "lost",
        "SC-0005": "active",  # a label of this site's own: kept, status left as it was
    }
    scope = session.exec(select(Asset).where(Asset.asset_tag == "SC-0005")).one()
    assert scope.custom_fields is not None and scope.custom_fields["Status"] == "Calibration due"
    monitor = session.exec(select(Asset).where(Asset.asset_tag == "MN-0002")).one()
    assert monitor.useful_life_months == 60 and monitor.warranty_months == 36


def test_full_export_checked_out_to_sets_the_custodian_with_a_custody_record(
    session: Session,
) -> None:
    summary = import_csv(session, FULL.read_bytes(), NOW, operator="admin")
    session.commit()
    assert summary.checkouts == 1 and summary.people_created == 1
    view = asset_view(session, "LT-0001")
    assert view.custodian == "Ada Lovelace" and str(view.due_back) == "2026-01-10"
    events = history(session, "LT-0001").events
    assert [(e.type, e.custodian, e.source, e.device_id, e.operator) for e in events] == [
        ("checkout", "Ada Lovelace", "manual", "import", "admin")
    ]
    assert events[0].observed_at == datetime(2025, 1, 10, tzinfo=UTC)
    assert asset_view(session, "MN-0002").custodian is None
    # A re-import of the same file records nothing twice.
    again = import_csv(session, FULL.read_bytes(), NOW, operator="admin")
    session.commit()
    assert again.checkouts == 0 and again.updated == 5
    assert session.exec(select(func.count()).select_from(Event)).one() == 1


def test_full_export_summary_says_where_every_column_went(session: Session) -> None:
    summary = import_csv(session, FULL.read_bytes(), NOW)
    header = FULL.read_text().splitlines()[0].split(",")
    assert list(summary.columns) == header  # every column, in file order
    assert summary.columns["Checked Out To"].startswith("custodian")
    assert summary.columns["Manufacturer"] == "manufacturer"
    assert summary.columns["Model No."] == "model number"
    assert summary.columns["Default Location"] == "home location"
    assert summary.columns["MAC Address"] == "custom field 'MAC Address'"
    statuses = {s["label"]: s["status"] for s in summary.to_json()["statuses"]}
    assert statuses == {
        "Deployed": "active",
        "Ready to Deploy": "active",
        "Broken": "repair",
        "Lost/Stolen": "lost",
        "Calibration due": "unchanged",
    }
    text = "\n".join(summary.lines_of(summary.to_json()))
    assert "5 created, 0 updated" in text and "Checked Out To" in text
    assert "1 checkout(s) recorded" in text


@pytest.mark.parametrize(
    ("row", "fields"),
    [
        ("AST-2,Desk, oak,WH1,,,,\n", 8),  # an unquoted comma in the name
        ("AST-2,Desk,WH1\n", 3),  # fields missing
    ],
)
def test_import_row_with_another_field_count_than_the_header_refuses_the_file(
    session: Session, row: str, fields: int
) -> None:
    header = "Asset Tag,Item Name,Location,Purchase Date,Purchase Cost,EPC,Barcode\n"
    text = header + "AST-1,Chair,WH1,,,,\n" + row + "AST-3,Lamp,WH1,,,,\n"
    with pytest.raises(AssetImportError) as info:
        import_csv(session, text.encode(), NOW)
    assert [(e.line, e.reason.split(" (")[0]) for e in info.value.errors] == [
        (3, f"{fields} fields but the header has 7")
    ]
    session.rollback()
    assert session.exec(select(func.count()).select_from(Asset)).one() == 0
