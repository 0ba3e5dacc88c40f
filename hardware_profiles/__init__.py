"""Device profiles as data (TOML); this file only makes the folder ship with the package."""
