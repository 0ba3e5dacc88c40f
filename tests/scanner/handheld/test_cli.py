"""`scanstation audit` from the command line, without a screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scanner.handheld.app import run_audit


def test_audit_help_works_without_a_terminal():
    env = {k: v for k, v in os.environ.items() if k not in ("TERM", "COLUMNS")}
    out = subprocess.run(
        [sys.executable, "-m", "scanner", "audit", "--help"],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr.decode()
    assert "--config" in out.stdout.decode()


def test_audit_bad_station_file_is_a_clear_error(tmp_path: Path, capsys):
    path = tmp_path / "station.toml"
    path.write_text('[station]\ndevice_id = "x"\n', encoding="utf-8")  # no server
    assert run_audit(path) == 2
    err = capsys.readouterr().err
    assert "cannot start the audit screen" in err and "server" in err


def test_audit_without_a_terminal_points_to_the_control_labels(tmp_path: Path):
    (tmp_path / "device.token").write_text("tok\n")
    path = tmp_path / "station.toml"
    path.write_text(
        '[station]\ndevice_id = "hh"\nserver = "http://127.0.0.1:9"\ntoken_file = "device.token"\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "scanner", "audit", "--config", str(path)],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=60,
    )
    assert out.returncode == 2
    assert "needs a terminal" in out.stderr.decode() and "CMD:AUDIT" in out.stderr.decode()
