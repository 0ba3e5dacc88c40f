"""Child process for the server power-cut test: the real app under uvicorn.

    python -m tests.powercut.serve PORT [SYNCHRONOUS]

The database comes from SCANSTATION_DB, already migrated. SYNCHRONOUS (e.g. NORMAL) weakens
every SQLite connection after the server's own settings: the harness's control.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

from sync_server import db


def main(argv: list[str]) -> None:
    """Serve on 127.0.0.1:PORT until killed."""
    if len(argv) > 1:
        weaker, original = argv[1], db._on_sqlite_connect

        def weakened(dbapi_connection: Any, _record: Any) -> None:
            original(dbapi_connection, _record)
            dbapi_connection.execute(f"PRAGMA synchronous = {weaker}")

        db._on_sqlite_connect = weakened  # make_engine looks it up when it builds the engine
    uvicorn.run(
        "sync_server.main:create_app", factory=True, host="127.0.0.1", port=int(argv[0]),
        log_level="warning", access_log=False,
    )  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
