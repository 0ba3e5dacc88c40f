"""`scanstation import assets`: a progress bar, the summary of where each column went, and
`--server` needing a token."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync_server.importer_cli import run_import

FULL = Path(__file__).parent / "services" / "importer_data" / "snipeit_full_export.csv"


def test_import_command_prints_a_progress_bar_and_where_each_column_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_import(f"sqlite:///{tmp_path / 'r.db'}", FULL, as_json=False) == 0
    out, err = capsys.readouterr()
    assert "importing rows" in err and "5/5" in err
    lines = out.splitlines()
    assert lines[0] == "5 created, 0 updated"
    assert any(ln.split("->")[0].strip() == "Checked Out To" for ln in lines)
    assert any("'MAC Address'" in ln for ln in lines)
    assert "status 'Broken' -> repair (1 row(s))" in out
    assert "1 checkout(s) recorded" in out


def test_import_command_server_needs_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_import("sqlite://", FULL, as_json=False, server="http://127.0.0.1:9") == 2
    assert "--token" in capsys.readouterr().err
    code = run_import("sqlite://", FULL, as_json=False, server="http://127.0.0.1:9", token="t")
    assert code == 1  # nothing listens there: a clear error, nothing imported
    assert "cannot reach" in capsys.readouterr().err
