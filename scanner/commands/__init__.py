"""Implementations of the `scanstation` commands that belong to the edge side."""
