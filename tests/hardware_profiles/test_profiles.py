"""Every shipped profile, of every kind, checked like hassfest checks manifests."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scanner.drivers.registry import DRIVERS
from scanner.profiles import load_profile, load_profiles, profiles_dir
from scanner.sim.registry import SIMULATORS

PROFILE_FILES = sorted(profiles_dir().glob("*/*.toml"))
SERIAL_FILES = [p for p in PROFILE_FILES if "\n[serial]" in p.read_text(encoding="utf-8")]


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def test_profiles_exist_for_barcode_wands():
    barcode = [p for p in PROFILE_FILES if p.parent.name == "barcode"]
    assert len(barcode) >= 3


@pytest.mark.parametrize("path", PROFILE_FILES, ids=_ids(PROFILE_FILES))
def test_profile_parses_and_id_matches_stem(path):
    profile = load_profile(str(path))
    assert profile.id == path.stem
    assert profile.kind == path.parent.name


@pytest.mark.parametrize("path", PROFILE_FILES, ids=_ids(PROFILE_FILES))
def test_profile_driver_is_registered(path):
    assert load_profile(str(path)).driver in DRIVERS


@pytest.mark.parametrize("path", SERIAL_FILES, ids=_ids(SERIAL_FILES))
def test_profile_serial_driver_has_simulator(path):
    profile = load_profile(str(path))
    assert profile.serial is not None
    assert profile.driver in SIMULATORS, f"no simulator for {profile.driver}"


@pytest.mark.parametrize("path", PROFILE_FILES, ids=_ids(PROFILE_FILES))
def test_profile_documents_its_source_and_setup(path):
    profile = load_profile(str(path))
    assert profile.reference, "cite the guide or datasheet the settings come from"
    if profile.kind == "barcode":
        assert profile.setup, "name the programming barcodes the user must scan"
        assert profile.wand is not None


@pytest.mark.parametrize("path", PROFILE_FILES, ids=_ids(PROFILE_FILES))
def test_profile_usb_ids_are_upper_case_hex(path):
    match = tomllib.loads(path.read_text(encoding="utf-8")).get("match", {})
    for key in ("vid", "pid"):
        if key in match:
            assert match[key] == match[key].upper()
            assert len(match[key]) == 4


def test_profiles_never_share_a_vid_pid_pair():
    seen: dict[tuple[str, str], str] = {}
    for profile in load_profiles().values():
        if profile.match is None or not (profile.match.vid and profile.match.pid):
            continue
        pair = (profile.match.vid, profile.match.pid)
        assert pair not in seen, f"{profile.id} and {seen[pair]} both claim {pair}"
        seen[pair] = profile.id
