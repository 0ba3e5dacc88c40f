"""CSV asset import (contract 5) on a real database: all or nothing per file."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from shared.identifiers import encode_giai
from sync_server.importer_cli import run_import
from sync_server.models import Asset, AssetIdentifier, AssetState, Event, Location, Person
from sync_server.services.importer import (
    AssetImportError,
    import_csv,
    parse_cost,
    parse_csv,
    parse_date,
    parse_warranty,
)

DATA = Path(__file__).parent / "importer_data"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
HEADER = "Asset Tag,Item Name,Location,Purchase Date,Purchase Cost,EPC,Barcode\n"


def _count(session: Session, model: type[Asset] | type[AssetIdentifier] | type[Location]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _asset(session: Session, tag: str) -> Asset:
    return session.exec(select(Asset).where(Asset.asset_tag == tag)).one()


def _errors(session: Session, text: str) -> list[tuple[int, str]]:
    with pytest.raises(AssetImportError) as info:
        import_csv(session, text.encode(), NOW)
    return [(e.line, e.reason) for e in info.value.errors]


def test_import_snipeit_export_creates_assets_locations_and_identifiers(session: Session) -> None:
    summary = import_csv(session, (DATA / "snipeit_export.csv").read_bytes(), NOW)
    session.commit()
    assert (summary.created, summary.updated) == (5, 0)
    mac = _asset(session, "AST-000101")
    assert mac.name == 'MacBook Pro 14"'
    assert (mac.category, mac.model_name, mac.serial_number) == (
        "Laptops",
        "MacBook Pro 14 M3",
        "C02XK1JHJG5H",
    )
    assert (mac.purchase_date, mac.purchase_cost) == (date(2024, 3, 15), Decimal("2199.00"))
    assert (mac.supplier, mac.order_number, mac.warranty_months) == ("Apple Store", "PO-7781", 12)
    assert mac.notes == "Keyboard replaced, 2024"
    home = session.get(Location, mac.home_location_id)
    assert home is not None and (home.code, home.name) == ("Warehouse 1", "Warehouse 1")
    monitor = _asset(session, "AST-000103")
    assert monitor.notes == "Two notes lines:\nline two"
    assert monitor.purchase_cost == Decimal("649.99") and monitor.warranty_months == 36
    assert _asset(session, "AST-000102").purchase_date == date(2023, 11, 2)
    printer = _asset(session, "AST-000105")
    assert printer.home_location_id is None and printer.purchase_cost == Decimal("399.00")
    keys = set(session.exec(select(AssetIdentifier.key)))
    assert keys == {
        "8004/06141411001",
        "8004/06141411002",
        "8004/0614141MON103",
        *(f"tag/AST-00010{n}" for n in range(1, 6)),  # every asset's tag is an identity
    }
    assert _count(session, Location) == 2
    people = set(session.exec(select(Person.code)))
    assert people == {"Ada Lovelace", "Grace Hopper"}


def test_import_bad_rows_report_every_line_and_change_nothing(session: Session) -> None:
    import_csv(session, f"{HEADER}AST-1,Old,WH1,,,{encode_giai('0614141', '77')},\n".encode(), NOW)
    session.commit()
    before = (_count(session, Asset), _count(session, AssetIdentifier), _count(session, Location))
    text = (
        HEADER
        + "AST-2,Fine,NEW-LOC,2024-01-31,10.00,,\n"  # line 2: good, must still not be written
        + "AST-3,Bad date,,2024-02-30,,,\n"  # 3
        + "AST-4,Bad cost,,,12 dollars and 5,,\n"  # 4
        + "AST-2,Twice,,,,,\n"  # 5
        + "AST-6,Bad EPC,,,,3414257BF40000000000ZZZZ,\n"  # 6
        + "\n"  # 7: empty, skipped but counted
        + f"AST-8,Claimed,,,,{encode_giai('0614141', '77')},\n"  # 8
        + "AST-9,Bad GS1,,,,,(8004)\n"  # 9
    )
    errors = _errors(session, text)
    session.rollback()
    lines = [line for line, _ in errors]
    assert lines == [3, 4, 5, 6, 8, 9]
    reasons = dict(errors)
    assert "bad date '2024-02-30'" in reasons[3]
    assert "bad cost" in reasons[4]
    assert "duplicate asset tag 'AST-2' (line 2)" in reasons[5]
    assert "bad EPC" in reasons[6]
    assert reasons[8] == (
        f"'{encode_giai('0614141', '77')}' already belongs to asset AST-1, so it cannot also "
        "identify AST-8"
    )
    assert "bad barcode" in reasons[9]
    after = (_count(session, Asset), _count(session, AssetIdentifier), _count(session, Location))
    assert after == before


def test_import_refuses_an_epc_claimed_by_another_asset(session: Session) -> None:
    epc = encode_giai("0614141", "77")
    import_csv(session, f"{HEADER}AST-1,Old,,,,{epc},\n".encode(), NOW)
    session.commit()
    errors = _errors(session, f"{HEADER}AST-5,Fine,,,,,\nAST-8,Claimed,,,,{epc.lower()},\n")
    assert errors == [
        (3, f"'{epc}' already belongs to asset AST-1, so it cannot also identify AST-8")
    ]
    session.rollback()
    assert _count(session, Asset) == 1


def test_import_reimport_updates_by_asset_tag(session: Session) -> None:
    epc = encode_giai("0614141", "5")
    import_csv(session, f"{HEADER}AST-1,Laptop,WH1,2024-01-01,100,{epc},\n".encode(), NOW)
    session.commit()
    later = datetime(2026, 2, 1, tzinfo=UTC)
    again = f"{HEADER}AST-1,Laptop (renamed),WH2,,250.5,{epc},AST-1\nAST-2,New,WH2,,,,\n"
    summary = import_csv(session, again.encode(), later)
    session.commit()
    assert (summary.created, summary.updated) == (1, 1)
    asset = _asset(session, "AST-1")
    assert (asset.name, asset.purchase_date, asset.purchase_cost) == (
        "Laptop (renamed)",
        None,
        Decimal("250.50"),
    )
    assert asset.updated_at == later and asset.created_at == NOW
    home = session.get(Location, asset.home_location_id)
    assert home is not None and home.code == "WH2"
    keys = set(
        session.exec(select(AssetIdentifier.key).where(AssetIdentifier.asset_id == asset.id))
    )
    assert keys == {"8004/06141415", "tag/AST-1"}


def test_import_matches_existing_locations_by_code_or_name(session: Session) -> None:
    session.add(Location(code="WH1", name="Warehouse 1"))
    session.commit()
    import_csv(session, f"{HEADER}A-1,x,WH1,,,,\nA-2,y,Warehouse 1,,,,\n".encode(), NOW)
    session.commit()
    assert _count(session, Location) == 1
    assert _asset(session, "A-1").home_location_id == _asset(session, "A-2").home_location_id


def test_import_bom_semicolons_crlf_and_decimal_comma(session: Session) -> None:
    text = (
        "\ufeffasset tag;ASSET NAME;Location;Purchase Cost;Notes\r\n"
        '\r\nB-1;"Drill; cordless";Shed;1.299,50;"a ""quoted"" note"\r\n'
        "B-2;Ladder;Shed;12,5;\r\n"
    )
    summary = import_csv(session, text.encode("utf-8"), NOW)
    session.commit()
    assert summary.created == 2
    drill = _asset(session, "B-1")
    assert (drill.name, drill.purchase_cost, drill.notes) == (
        "Drill; cordless",
        Decimal("1299.50"),
        'a "quoted" note',
    )
    assert _asset(session, "B-2").purchase_cost == Decimal("12.50")


def test_import_windows_1252_file(session: Session) -> None:
    data = "Asset Tag,Item Name\nC-1,Caf\u00e9 machine\n".encode("cp1252")
    import_csv(session, data, NOW)
    assert _asset(session, "C-1").name == "Caf\u00e9 machine"


def test_parse_csv_reports_every_problem_of_a_row() -> None:
    with pytest.raises(AssetImportError) as info:
        parse_csv(f"{HEADER}F-1,x,,2024-13-01,abc,ZZ,\n")
    reason = info.value.errors[0].reason
    assert "bad date" in reason and "bad cost" in reason and "bad EPC" in reason


def test_import_line_numbers_count_quoted_newlines_and_blank_lines() -> None:
    text = f'{HEADER}\nD-1,"two\nlines",,,,,\n\nD-2,x,,31/12/2024,,,\n'
    with pytest.raises(AssetImportError) as info:
        parse_csv(text)
    assert [(e.line, e.reason) for e in info.value.errors] == [
        (6, "bad date '31/12/2024': expected YYYY-MM-DD")
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the file is empty"),
        ("Name,Location\nx,y\n", "no 'Asset Tag' column in the header"),
        ("Asset Tag,Location\nx,y\n", "no 'Item Name' column in the header"),
        ("Asset Tag,Item Name\n,Nameless\n", "asset tag is empty"),
        ("Asset Tag,Item Name\nE-1,\n", "asset 'E-1' has no name"),
        ("Asset Tag,Item Name,Barcode\nE-1,x,LOC:WH1\n", "is a location label"),
        ("Asset Tag,Item Name,Barcode\nE-1,x," + "B" * 1100 + "\n", "longer than 1024"),
        ("Asset Tag,Item Name,Notes\nE-1,x,a\x00b\n", "NUL character"),
        ("Asset Tag,Item Name,Category\nE-1,x," + "c" * 129 + "\n", "category is longer"),
    ],
)
def test_parse_csv_rejects_structural_problems(text: str, reason: str) -> None:
    with pytest.raises(AssetImportError) as info:
        parse_csv(text)
    assert reason in info.value.errors[0].reason


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1299", "1299.00"),
        ("1,299.00", "1299.00"),
        ("$1,299.5", "1299.50"),
        ("1.299,50", "1299.50"),
        ("EUR 12,50", "12.50"),
        ("12.345", "12.35"),
        ("1 000", "1000.00"),
    ],
)
def test_parse_cost_accepts_common_spellings(text: str, value: str) -> None:
    assert parse_cost(text) == Decimal(value)


@pytest.mark.parametrize("text", ["-5", "abc", "1.2.3", "1e5", "NaN", "1,2,3", "9" * 20])
def test_parse_cost_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="bad cost"):
        parse_cost(text)


def test_parse_date_and_warranty() -> None:
    assert parse_date("2024-02-29 13:00:00") == date(2024, 2, 29)
    assert parse_warranty("36 Months") == 36
    for bad in ("2023-02-29", "02/03/2024", "yesterday"):
        with pytest.raises(ValueError, match="bad date"):
            parse_date(bad)
    with pytest.raises(ValueError, match="bad warranty"):
        parse_warranty("three years")


def test_import_ten_thousand_rows(session: Session) -> None:
    lines = [HEADER] + [
        f"T-{i:05d},Asset {i},Zone {i % 7},2024-01-01,{i}.99,{encode_giai('0614141', str(i))},\n"
        for i in range(10_000)
    ]
    seen: list[int] = []
    summary = import_csv(session, "".join(lines).encode(), NOW, seen.append)
    session.commit()
    assert summary.created == 10_000 and seen[-1] == 10_000
    assert _count(session, Asset) == 10_000 and _count(session, AssetIdentifier) == 20_000


def test_run_import_json_summary_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_import(db, DATA / "snipeit_export.csv", as_json=True) == 0
    assert json.loads(capsys.readouterr().out).items() >= {"created": 5, "updated": 0}.items()
    assert run_import(db, DATA / "snipeit_export.csv", as_json=True) == 0
    assert json.loads(capsys.readouterr().out).items() >= {"created": 0, "updated": 5}.items()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}Z-1,x,,,oops,,\n")
    assert run_import(db, bad, as_json=True) == 1
    captured = capsys.readouterr()
    assert [json.loads(line) for line in captured.out.splitlines()] == [
        {
            "file": str(bad),
            "line": 2,
            "error": "bad cost 'oops': expected a non-negative amount like 1299.00",
        }
    ]
    assert "nothing was imported" in captured.err
    assert run_import(db, bad, as_json=False) == 1
    assert f"{bad}:line 2: bad cost" in capsys.readouterr().err
    assert run_import(db, tmp_path / "missing.csv", as_json=False) == 1


def test_import_resolves_codes_seen_before_the_asset_existed(session: Session) -> None:
    from sync_server.services import auth
    from sync_server.services.ingest import SyncContext, ingest_batch, parse_batch

    epc = encode_giai("0614141", "4242")
    auth.enroll_device(session, "portal-1")
    seen = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    event = {
        "seq": 1,
        "type": "sighting",
        "code": epc,
        "source": "rfid",
        "symbology": "epc",
        "observed_at": seen.isoformat(),
        "boot_id": "b",
        "mono_ns": 1,
        "location": "DOCK",
    }
    body = {
        "wire_version": 1,
        "batch_id": "6f1c2a4e-0000-4000-8000-000000000001",
        "device_id": "portal-1",
        "stream_id": "6f1c2a4e-0000-4000-8000-000000000002",
        "clock": {"boot_id": "b", "mono_ns": 2, "wall": NOW.isoformat()},
        "events": [event],
    }
    ctx = SyncContext(device_id="portal-1", receipt=NOW, error_ns=10**9, tolerance_ns=10**15)
    ingest_batch(session, parse_batch(body), ctx)
    session.commit()
    import_csv(session, f"{HEADER}AST-9,Pallet,,,,{epc},\n".encode(), NOW)
    session.commit()
    asset = _asset(session, "AST-9")
    assert session.exec(select(Event.asset_id).where(Event.code == epc)).one() == asset.id
    state = session.get(AssetState, asset.id)
    assert state is not None and (state.location, state.observed_at) == ("DOCK", seen)


def test_scanstation_import_assets_command(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from scanner.cli import app

    db = f"sqlite:///{tmp_path / 'cmd.db'}"
    args = ["import", "assets", str(DATA / "snipeit_export.csv"), "--db", db, "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout).items() >= {"created": 5, "updated": 0}.items()
