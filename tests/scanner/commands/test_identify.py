"""`scanstation identify`: JSON and human output, exit codes, errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from scanner.commands.identify import run_identify


def test_identify_json_for_an_epc_has_code_scheme_key_and_epc_uri(
    capsys: pytest.CaptureFixture[str],
):
    assert run_identify("3434257BF400000000BC6038", None, as_json=True) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    document = json.loads(lines[0])
    assert document["code"] == "3434257BF400000000BC6038"
    assert document["scheme"] == "giai"
    assert document["key"] == "8004/061414112345400"
    assert document["epc_uri"] == "urn:epc:id:giai:0614141.12345400"


def test_identify_json_error_is_an_object_and_nonzero(capsys: pytest.CaptureFixture[str]):
    assert run_identify("341C257BF400000000BC6038", None, as_json=True) == 1
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "code": "341C257BF400000000BC6038",
        "error": "partition 7 is invalid in GIAI-96 (valid: 0-6)",
    }


def test_identify_human_output_and_error_on_stderr(capsys: pytest.CaptureFixture[str]):
    assert run_identify("]C18004061414112345400", None, as_json=False) == 0
    out = capsys.readouterr().out
    assert "8004/061414112345400" in out
    assert "gs1-128" in out
    assert run_identify("ABCZ", "EPC", as_json=False) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "non-hex character 'Z' at position 4" in captured.err


def test_identify_cli_label_and_forced_epc():
    runner = CliRunner()
    result = runner.invoke(app, ["identify", "--json", "LOC:DOCK-3"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["key"] == "tag/LOC:DOCK-3"
    result = runner.invoke(app, ["identify", "--json", "--symbology", "epc", "E280116060000209"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["scheme"] == "raw-epc"
    result = runner.invoke(app, ["identify", "--json", "]C1800300614141123450ABC"])
    assert result.exit_code == 1
    assert "bad check digit" in json.loads(result.stdout)["error"]
