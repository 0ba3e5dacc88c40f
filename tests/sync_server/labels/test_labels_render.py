"""Labels scan: every symbology on every stock, rendered, rasterised and read back by the
project's decoder, gives the asset's key; ZPL carries the same identities and the EPC."""

from __future__ import annotations

import re

import pytest

from shared.identifiers import decode_epc, encode_giai, identify
from sync_server.labels.content import LabelContent
from sync_server.labels.layouts import LAYOUTS
from sync_server.labels.pdf import LabelError, labels_pdf
from sync_server.labels.symbols import make_symbol
from sync_server.labels.zpl import field_hex, labels_zpl
from tests.sync_server.labels.scan import scanned_keys

PREFIX = "0614141"


def _labels(n: int) -> list[LabelContent]:
    return [
        LabelContent(
            f"AST-{i:06d}",
            f"Laptop {i}",
            "WH1",
            giai=f"{PREFIX}{i + 1}",
            epc=encode_giai(PREFIX, str(i + 1)),
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("symbology", ["code128", "qr", "gs1-datamatrix"])
def test_pdf_labels_scan_back_to_each_assets_key(layout, symbology):
    stock = LAYOUTS[layout]
    labels = _labels(4)
    pdf = labels_pdf(labels, stock, symbology)
    expected = [
        f"8004/{c.giai}" if symbology == "gs1-datamatrix" else f"tag/{c.asset_tag}" for c in labels
    ]
    assert scanned_keys(pdf, stock, len(labels)) == [[k] for k in expected]


def test_a_partly_used_sheet_starts_after_the_skipped_slots_and_runs_onto_the_next():
    stock = LAYOUTS["avery-l7160"]
    labels = _labels(4)
    pdf = labels_pdf(labels, stock, "qr", skip=19)  # slots 19, 20, then 0, 1 of page 2
    keys = scanned_keys(pdf, stock, 4, skip=19)
    assert keys == [[f"tag/{c.asset_tag}"] for c in labels]


def test_a_code128_too_long_for_the_stock_is_refused_with_a_reason():
    with pytest.raises(LabelError, match="use qr or a wider layout"):
        labels_pdf([LabelContent("X" * 60, "long")], LAYOUTS["roll-57x32"], "code128")


def test_symbols_are_written_by_zxing_with_gs1_for_datamatrix():
    assert make_symbol("qr", "AST-1").height == make_symbol("qr", "AST-1").width
    assert make_symbol("code128", "AST-1").height == 1


def _fields(zpl: str) -> list[str]:
    def unescape(text: str) -> str:
        raw = re.sub(r"_([0-9A-F]{2})", lambda m: f"\\x{m.group(1)}", text)
        return (
            raw.encode("latin-1", "backslashreplace")
            .decode("unicode_escape")
            .encode("latin-1")
            .decode()
        )

    return [unescape(m) for m in re.findall(r"\^FD(.*?)\^FS", zpl)]


def test_zpl_carries_the_identity_the_text_and_the_epc_for_rfid():
    label = _labels(1)[0]
    zpl = labels_zpl([label], LAYOUTS["roll-57x32"], "code128", rfid=True)
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    epc = re.search(r"\^RFW,H\^FD([0-9A-F]+)\^FS", zpl)
    assert epc is not None
    assert decode_epc(epc.group(1)).key == f"8004/{label.giai}"
    fields = _fields(zpl.split("^RFW", 1)[1].split("^FS", 1)[1])
    assert identify(fields[0]).key == "tag/AST-000000"
    assert fields[1:] == ["AST-000000", "Laptop 0", "WH1"]


def test_zpl_gs1_datamatrix_starts_with_fnc1_and_qr_with_its_mode():
    label = _labels(1)[0]
    dm = labels_zpl([label], LAYOUTS["roll-102x51"], "gs1-datamatrix")
    data = re.search(r"\^BXN,\d+,200,,,,_\^FD_1(\d+)\^FS", dm)
    assert data is not None and identify("]d2" + data.group(1)).key == f"8004/{label.giai}"
    qr = labels_zpl([label], LAYOUTS["roll-102x51"], "qr")
    assert "^BQN,2," in qr and "^FDMA,AST-000000^FS" in qr


def test_zpl_escapes_carets_and_tildes_so_a_name_never_becomes_a_command():
    assert field_hex("a^b~c_d é") == "a_5Eb_7Ec_5Fd _C3_A9"
    zpl = labels_zpl([LabelContent("T^1", "x~y")], LAYOUTS["roll-57x32"], "qr")
    body = "".join(zpl.split("^FD")[1:])
    assert "T^1" not in body and "x~y" not in body
