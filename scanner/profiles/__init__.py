"""Hardware profiles: the schema of `hardware_profiles/*.toml` and its loader."""

from scanner.profiles.loader import ProfileError, load_profile, load_profiles, profiles_dir
from scanner.profiles.model import DeviceProfile, SerialSettings

__all__ = [
    "DeviceProfile",
    "ProfileError",
    "SerialSettings",
    "load_profile",
    "load_profiles",
    "profiles_dir",
]
