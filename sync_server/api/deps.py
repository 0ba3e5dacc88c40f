"""Request dependencies: the request-scoped session (commits once on success), device auth,
person auth (API token or web session cookie) and role checks."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from sync_server.db import writer
from sync_server.models import User
from sync_server.services import Forbidden, Unauthorized, auth, users
from sync_server.settings import ServerSettings

_LOGGER = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
CSRF_HEADER = "X-CSRF-Token"


def get_engine(request: Request) -> Engine:
    """The app's engine (built by the lifespan)."""
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> ServerSettings:
    """The app's settings."""
    settings: ServerSettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request; commits once after the route returns without error.
    Writing requests take SQLite's write lock at BEGIN so concurrent writers wait, not fail."""
    engine = get_engine(request)
    bind = engine if request.method in SAFE_METHODS else writer(engine)
    with Session(bind) as session:
        yield session
        session.commit()


EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_device(request: Request) -> str:
    """The device id whose Bearer token this is; 401 for none, unknown or revoked."""
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("a device token is required (Authorization: Bearer <token>)")
    with get_engine(request).connect() as conn:
        device_id = auth.device_id_for_token(conn, token)
    if device_id is None:
        raise Unauthorized("unknown or revoked device token")
    return device_id


DeviceDep = Annotated[str, Depends(require_device)]


def current_user(request: Request, session: SessionDep) -> User:
    """The signed-in person: a Bearer API token, or the web session cookie (which must carry
    the CSRF header on writing requests); 401 otherwise."""
    token = bearer_token(request)
    if token is not None:
        user = auth.user_for_api_token(session, token)
        if user is None:
            raise Unauthorized("unknown, expired or revoked API token")
        _note_token_use(request, session, token)
        return user
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if cookie:
        user = auth.user_for_session(session, cookie)
        if user is not None:
            if request.method not in SAFE_METHODS:
                expected = auth.csrf_for_session(session, cookie)
                if request.headers.get(CSRF_HEADER) != expected:
                    raise Forbidden(f"missing or wrong {CSRF_HEADER} header for this session")
            return user
    raise Unauthorized("sign in or send an API token (Authorization: Bearer <token>)")


def _note_token_use(request: Request, session: Session, token: str) -> None:
    """Keep the token's `last_used_at` (at most once a minute). A writing request does it in
    its own transaction; a reading one in a short separate one, and skips it when busy."""
    now = auth.utcnow()
    if request.method not in SAFE_METHODS:
        users.touch_api_token(session, token, now, TOKEN_TOUCH_EVERY)
        return
    try:
        with Session(writer(get_engine(request))) as side:
            if users.touch_api_token(side, token, now, TOKEN_TOUCH_EVERY):
                side.commit()
    except OperationalError:
        _LOGGER.info("database busy: token last-use time not updated this time")


UserDep = Annotated[User, Depends(current_user)]


def require_role(role: str) -> Callable[[User], User]:
    """A dependency admitting users whose role covers `role` (viewer < auditor < admin)."""

    def check(user: UserDep) -> User:
        if not auth.role_allows(user.role, role):
            raise Forbidden(f"this needs the {role} role; {user.name} is {user.role}")
        return user

    return check


ViewerDep = Annotated[User, Depends(require_role("viewer"))]


def device_or_viewer(request: Request, session: SessionDep) -> str:
    """For reads a handheld needs offline: a device token, or any signed-in user. Returns the
    device id or the user's name."""
    token = bearer_token(request)
    if token is not None:
        with get_engine(request).connect() as conn:
            device_id = auth.device_id_for_token(conn, token)
        if device_id is not None:
            return device_id
    return current_user(request, session).name


DeviceOrViewerDep = Annotated[str, Depends(device_or_viewer)]
AuditorDep = Annotated[User, Depends(require_role("auditor"))]
AdminDep = Annotated[User, Depends(require_role("admin"))]
