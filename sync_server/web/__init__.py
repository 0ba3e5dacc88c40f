"""The server-rendered web UI: sign in, assets, unknown codes, devices."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sync_server.web.routes import build_router

STATIC_DIR = Path(__file__).parent / "static"


def mount_web(app: FastAPI) -> None:
    """Add the UI's pages and its `/static` files to `app`."""
    app.include_router(build_router())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["mount_web"]
