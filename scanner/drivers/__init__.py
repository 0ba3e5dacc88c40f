"""Drivers own IO and nothing else: they turn a device's bytes into `RawRead`s."""
