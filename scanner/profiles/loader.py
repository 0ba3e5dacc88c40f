"""Finds and parses hardware profiles, from the repository or the installed package."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from scanner.profiles.model import DeviceProfile


class ProfileError(Exception):
    """A profile that cannot be found or does not match the schema."""


def profiles_dir() -> Path:
    """The `hardware_profiles/` folder shipped with the package."""
    import hardware_profiles

    return Path(hardware_profiles.__file__).parent


def _parse(path: Path) -> DeviceProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        profile = DeviceProfile.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as err:
        raise ProfileError(f"{path}: {err}") from err
    if profile.id != path.stem:
        raise ProfileError(f"{path}: id {profile.id!r} does not match the file name")
    return profile


def load_profiles(root: Path | None = None) -> dict[str, DeviceProfile]:
    """Every profile under `root` (default: the shipped ones), keyed by id."""
    base = root or profiles_dir()
    profiles: dict[str, DeviceProfile] = {}
    for path in sorted(base.glob("*/*.toml")):
        profile = _parse(path)
        if profile.id in profiles:
            raise ProfileError(f"{path}: duplicate profile id {profile.id!r}")
        profiles[profile.id] = profile
    return profiles


def load_profile(ref: str, root: Path | None = None) -> DeviceProfile:
    """A profile by id, or by the path of a TOML file (for a user's own device)."""
    if ref.endswith(".toml"):
        return _parse(Path(ref))
    profiles = load_profiles(root)
    try:
        return profiles[ref]
    except KeyError:
        known = ", ".join(sorted(profiles))
        raise ProfileError(f"unknown profile {ref!r}; known: {known}") from None
