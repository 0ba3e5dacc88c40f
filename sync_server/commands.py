"""Implementations of the server's `scanstation` commands (contract section 1). Each brings the
schema up to date first; data goes to stdout (one JSON object per line with --json), and
errors to stderr with a non-zero exit code."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.services import NotFound, ServiceError, auth, registry

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _err(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


@contextmanager
def _session(db: str) -> Iterator[Session]:
    upgrade_schema(db)
    engine = make_engine(db)
    try:
        with Session(writer(engine)) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def _run(db: str, action: Callable[[Session], T]) -> T | None:
    try:
        with _session(db) as session:
            return action(session)
    except ServiceError as err:
        _err(str(err))
    except SQLAlchemyError as err:
        _err(f"database {db}: {err.__class__.__name__}: {err}")
    return None


@dataclass(frozen=True)
class ServeOptions:
    """How `scanstation server` listens: address, the proxy it trusts, HTTPS, limits."""

    host: str = "127.0.0.1"
    port: int = 8700
    forwarded_allow_ips: str | None = None
    https: bool = False
    max_connections: int = 1000
    keep_alive_s: int = 5


def check_db_url(db: str) -> str | None:
    """Why `db` cannot be used (a message for a person), or None when it is SQLite or
    PostgreSQL through psycopg."""
    try:
        url = make_url(db)
    except ArgumentError:
        return f"{db!r} is not a database URL (try sqlite:///./var/scanstation.db)"
    if url.get_backend_name() == "sqlite":
        return None
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        return None
    return f"unsupported database {url.drivername!r}: use sqlite:/// or postgresql+psycopg://"


def serve(db: str, options: ServeOptions) -> int:
    """Bring the schema up to date, then run the sync server and web UI until stopped."""
    import uvicorn

    from sync_server.main import create_app
    from sync_server.settings import ServerSettings

    problem = check_db_url(db)
    if problem is not None:
        _err(problem)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        upgrade_schema(db)
    except SQLAlchemyError as err:
        _err(f"database {make_url(db).render_as_string()}: {err.__class__.__name__}: {err}")
        return 1
    app = create_app(ServerSettings(db=db, upgrade_schema=False, https=options.https))
    # X-Forwarded-For/-Proto are believed only from the proxies the operator names: anyone
    # else could claim any address (and dodge the sign-in limits) or claim HTTPS.
    config = uvicorn.Config(
        app,
        host=options.host,
        port=options.port,
        log_level="info",
        proxy_headers=bool(options.forwarded_allow_ips),
        forwarded_allow_ips=options.forwarded_allow_ips or "",
        limit_concurrency=options.max_connections,
        timeout_keep_alive=options.keep_alive_s,
    )
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else 1


def enroll_device(db: str, name: str, read_point: str | None, as_json: bool) -> int:
    """Register an edge device; print its id and one-time token."""

    def enroll(session: Session) -> auth.Enrollment:
        if read_point is not None:
            try:
                registry.get_read_point(session, read_point)
            except NotFound as err:
                # A typo here would silently put every read of the station nowhere.
                raise NotFound(f"no read point {read_point!r}; create it first") from err
        return auth.enroll_device(session, name, read_point)

    enrollment = _run(db, enroll)
    if enrollment is None:
        return 1
    if as_json:
        _out(json.dumps({"device_id": enrollment.device_id, "token": enrollment.token}))
    else:
        _out(f"device {enrollment.device_id} enrolled; its token (shown once):")
        _out(enrollment.token)
    return 0


def revoke_device(db: str, device_id: str) -> int:
    """Make a device's token stop working at once."""
    device = _run(db, lambda s: auth.revoke_device(s, device_id).device_id)
    if device is None:
        return 1
    _out(f"device {device} revoked")
    return 0


def add_user(db: str, name: str, role: str, password: str | None, as_json: bool) -> int:
    """Create a user and print an API token for it. With a password (policy-checked) the user
    can also sign in to the web UI; without one (`--token-only`) only the token works."""

    def create(session: Session) -> str:
        user = auth.add_user(session, name, role, password)
        return auth.create_api_token(session, user)

    token = _run(db, create)
    if token is None:
        return 1
    if as_json:
        _out(json.dumps({"user": name, "api_token": token, "token_only": password is None}))
    else:
        kind = "token only: no web sign-in" if password is None else "with a password"
        _out(f"user {name} ({role}, {kind}) created; API token (shown once):")
        _out(token)
    return 0


def import_assets(
    db: str, file: Path, as_json: bool, server: str | None = None, token: str | None = None
) -> int:
    """Import an asset register CSV into `db`, or through `server`'s API (implemented by
    `sync_server.importer_cli`)."""
    from sync_server.importer_cli import run_import

    return run_import(db, file, as_json, server, token)
