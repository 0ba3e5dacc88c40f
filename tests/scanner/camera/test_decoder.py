from __future__ import annotations

import logging
import random
import sys

import numpy as np
import pytest
import zxingcpp

from scanner.camera import decoder as decoder_module
from scanner.camera.corpus import generate, make_label, place
from scanner.camera.decoder import (
    FrameDecoder,
    StillDecoder,
    ZbarDecoder,
    ZxingDecoder,
    accepts,
    load_zbar,
)
from scanner.profiles.camera import CameraSettings
from tests.conftest import need


def _render(content: str, fmt: zxingcpp.BarcodeFormat, scale: int = 3, **options) -> np.ndarray:
    return np.array(zxingcpp.create_barcode(content, fmt, **options).to_image(scale=scale))


def _two_codes() -> np.ndarray:
    page = np.full((400, 900), 230, dtype=np.uint8)
    code128 = _render("AST-000123", zxingcpp.BarcodeFormat.Code128, 2)
    qr = _render("https://id.example.com/a/1", zxingcpp.BarcodeFormat.QRCode, 5)
    page[20 : 20 + code128.shape[0], 20 : 20 + code128.shape[1]] = code128
    page[20 : 20 + qr.shape[0], 500 : 500 + qr.shape[1]] = qr
    return page


def test_decode_gs1_128_keeps_gs_and_aim():
    image = _render("(01)09501101530003(10)AB1(21)XYZ", zxingcpp.BarcodeFormat.Code128, gs1=True)
    (found,) = StillDecoder().decode(image)
    assert (found.text, found.aim, found.symbology) == (
        "010950110153000310AB1\x1d21XYZ",
        "]C1",
        "gs1-128",
    )


def test_decode_gs1_datamatrix_and_gs1_qr():
    dm = _render("(01)09501101530003(10)L1(21)A", zxingcpp.BarcodeFormat.DataMatrix, 6, gs1=True)
    qr = _render("(8004)0950110153000123", zxingcpp.BarcodeFormat.QRCode, 6, gs1=True)
    assert [(d.symbology, d.aim) for d in StillDecoder().decode(dm)] == [("gs1-datamatrix", "]d2")]
    (found,) = StillDecoder().decode(qr)
    assert (found.text, found.symbology, found.aim) == ("80040950110153000123", "gs1-qr", "]Q3")


def test_decode_upca_is_sent_as_13_digits():
    (found,) = StillDecoder().decode(_render("03600029145", zxingcpp.BarcodeFormat.UPCA))
    assert (found.text, found.symbology, found.aim) == ("0036000291452", "ean13", "]E0")


def test_decode_restricted_to_the_profile_symbologies():
    image = _two_codes()
    assert {d.symbology for d in ZxingDecoder().decode(image)} == {"code128", "qr"}
    assert [d.text for d in ZxingDecoder(["code128"]).decode(image)] == ["AST-000123"]
    assert ZxingDecoder(["gs1-128"]).decode(image) == []


def test_accepts_gs1_variants_under_their_base_symbology():
    assert accepts(["code128"], "gs1-128")
    assert accepts(["datamatrix"], "gs1-datamatrix")
    assert not accepts(["gs1-128"], "code128")
    assert not accepts(["qr"], None)


def test_frame_decoder_at_half_scale_reports_full_frame_positions():
    settings = CameraSettings(symbologies=["code128", "qr"], decode_scale=0.5)
    found = {d.text: d.center for d in FrameDecoder(settings).decode(_two_codes())}
    qr_x, qr_y = found["https://id.example.com/a/1"]
    assert 560 <= qr_x <= 700 and 60 <= qr_y <= 200


def test_frame_decoder_accepts_bgr_frames():
    bgr = np.dstack([_two_codes()] * 3)
    assert len(FrameDecoder(CameraSettings(symbologies=["code128", "qr"])).decode(bgr)) == 2


def test_zbar_reads_code128_and_ean_with_aim_for_ean_only():
    need("zbar", load_zbar() is not None, "libzbar0 is not installed")
    rng = random.Random(3)
    ean = make_label("ean13", rng)
    (found,) = ZbarDecoder().decode(place(ean.image, rng))
    assert (found.text, found.symbology, found.aim, found.engine) == (
        ean.text,
        "ean13",
        "]E0",
        "pyzbar",
    )
    (plain,) = ZbarDecoder().decode(_render("AST-9", zxingcpp.BarcodeFormat.Code128))
    assert (plain.text, plain.symbology, plain.aim) == ("AST-9", "code128", None)


def test_zbar_cannot_help_with_data_matrix_only_profiles():
    assert not ZbarDecoder(["datamatrix"]).available


def test_missing_libzbar_is_said_once_and_decoding_goes_on(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "pyzbar", None)  # what an absent libzbar0 looks like
    monkeypatch.setitem(sys.modules, "pyzbar.pyzbar", None)
    load_zbar.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=decoder_module.__name__):
            decoders = [StillDecoder() for _ in range(3)]
        assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
        assert "libzbar0" in caplog.records[0].message
        assert decoders[0].zbar is not None and not decoders[0].zbar.available
        texts = {d.text for d in decoders[0].decode(_two_codes())}
        assert texts == {"AST-000123", "https://id.example.com/a/1"}
    finally:
        load_zbar.cache_clear()


def test_pipeline_reads_at_least_as_many_as_the_better_engine_alone():
    need("zbar", load_zbar() is not None, "libzbar0 is not installed")
    zxing, zbar, pipeline = ZxingDecoder(), ZbarDecoder(), StillDecoder()
    scores = {"zxing": 0, "zbar": 0, "pipeline": 0}
    corpus = list(generate(per_cell=1, seed=11))
    for item in corpus:
        for name, engine in (("zxing", zxing), ("zbar", zbar), ("pipeline", pipeline)):
            scores[name] += any(d.text == item.text for d in engine.decode(item.image))
    assert scores["pipeline"] >= max(scores["zxing"], scores["zbar"])
    assert scores["pipeline"] >= 0.7 * len(corpus)


def test_corpus_is_deterministic_and_clean_labels_all_decode():
    first = [(c.name, c.text, c.image.sum()) for c in generate(per_cell=1, seed=5)]
    assert first == [(c.name, c.text, c.image.sum()) for c in generate(per_cell=1, seed=5)]
    clean = [c for c in generate(per_cell=1, seed=5) if c.degradation == "clean"]
    assert {c.kind for c in clean} == {"code128", "gs1-128", "ean13", "qr", "gs1-datamatrix"}
    for item in clean:
        assert item.text in [d.text for d in ZxingDecoder().decode(item.image)], item.name


def test_corpus_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown label kind"):
        make_label("maxicode", random.Random(1))


def test_decode_non_ascii_qr_keeps_its_text():
    image = _render("Größe №7 – 東京", zxingcpp.BarcodeFormat.QRCode, 6)
    (found,) = StillDecoder().decode(image)
    assert (found.text, found.symbology) == ("Größe №7 – 東京", "qr")
