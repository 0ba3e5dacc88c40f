"""Scan Station sync server: ingest, resolution, the asset register, and the web UI."""
