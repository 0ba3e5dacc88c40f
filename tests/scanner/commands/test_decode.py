from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from typer.testing import CliRunner

from scanner.cli import app
from scanner.commands.decode import ImageError, load_image, run_decode


def _page(path: Path) -> Path:
    page = np.full((420, 900), 235, dtype=np.uint8)
    gs1 = zxingcpp.create_barcode(
        "(01)09501101530003(10)L7(21)S1", zxingcpp.BarcodeFormat.Code128, gs1=True
    )
    qr = zxingcpp.create_barcode("AST-000123", zxingcpp.BarcodeFormat.QRCode)
    one, two = np.array(gs1.to_image(scale=2)), np.array(qr.to_image(scale=6))
    page[20 : 20 + one.shape[0], 20 : 20 + one.shape[1]] = one
    page[200 : 200 + two.shape[0], 600 : 600 + two.shape[1]] = two
    cv2.imwrite(str(path), page)
    return path


def _json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_decode_json_one_line_per_code(tmp_path, capsys):
    image = _page(tmp_path / "labels.png")
    assert run_decode([image], as_json=True) == 0
    lines = sorted(_json_lines(capsys.readouterr().out), key=lambda d: str(d["text"]))
    assert lines == [
        {
            "file": str(image),
            "symbology": "gs1-128",
            "text": "010950110153000310L7\x1d21S1",
            "aim": "]C1",
        },
        {"file": str(image), "symbology": "qr", "text": "AST-000123", "aim": "]Q1"},
    ]


def test_decode_bad_files_are_errors_and_others_still_decoded(tmp_path, capsys):
    good = _page(tmp_path / "good.jpg")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "notes.png"
    text.write_text("not a picture\n")
    png = _page(tmp_path / "whole.png").read_bytes()
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(png[:40] + b"\x00" * 200)
    missing = tmp_path / "missing.png"
    assert run_decode([empty, text, corrupt, missing, good], as_json=True) == 1
    out, err = capsys.readouterr()
    assert {d["text"] for d in _json_lines(out)} == {"010950110153000310L7\x1d21S1", "AST-000123"}
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {empty}: empty file",
        f"error: {text}: not an image (unrecognised format)",
        f"error: {corrupt}: corrupt or truncated PNG image",
        f"error: {missing}: cannot read it (No such file or directory)",
    ]


def test_decode_image_without_code_says_so_and_succeeds(tmp_path, capsys):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((100, 100), 255, dtype=np.uint8))
    assert run_decode([blank], as_json=True) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "no barcode found" in err


def test_decode_human_output_shows_gs(tmp_path, capsys):
    image = _page(tmp_path / "labels.png")
    assert run_decode([image], as_json=False) == 0
    assert (
        f"{image}\tgs1-128\t]C1\t010950110153000310L7<GS>21S1"
        in capsys.readouterr().out.splitlines()
    )


def test_decode_cli_wiring(tmp_path):
    image = _page(tmp_path / "labels.png")
    result = CliRunner().invoke(app, ["decode", str(image), str(tmp_path / "nope.png"), "--json"])
    assert result.exit_code == 1
    assert len(_json_lines(result.stdout)) == 2
    assert "nope.png: cannot read it" in result.stderr


def test_load_image_truncated_jpeg_is_a_clear_error(tmp_path):
    jpeg = _page(tmp_path / "full.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(jpeg[: len(jpeg) // 2])
    with pytest.raises(ImageError, match="corrupt or truncated JPEG image"):
        load_image(cut)
    assert load_image(tmp_path / "full.jpg").shape == (420, 900)
