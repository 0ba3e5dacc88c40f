"""Signing in and out of the web UI.

A sign-in never holds a database lock while it hashes: the attempt is charged to the limiter in
one short write transaction, the user is read, the password is checked with no transaction open
(on a small pool of worker threads, so a crowd of sign-ins cannot starve device sync), and a
second short write transaction settles the charge and starts the session.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated

import anyio
from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import SessionDep, get_engine, get_settings
from sync_server.db import writer
from sync_server.models import User
from sync_server.services import auth
from sync_server.services.login_limiter import (
    MAX_NAME,
    LoginLimits,
    record_outcome,
    reserve_attempt,
)
from sync_server.web.render import render
from sync_server.web.security import (
    LOGIN_CSRF_COOKIE,
    ViewerDep,
    check_csrf,
    check_login_csrf,
    cookies_secure,
    login_form_token,
    new_login_csrf,
    safe_next,
    session_viewer,
)

FormText = Annotated[str, Form()]
MAX_PASSWORD = 1024
WRONG = "Wrong user name or password."


def login_form(
    request: Request,
    status: int = 200,
    error: str | None = None,
    name: str = "",
    next_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The sign-in page with its double-submit CSRF cookie."""
    pre_session = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    token = login_form_token(request.app.state.csrf_secret, pre_session)
    next_url = next_url or request.query_params.get("next")
    ctx = {"error": error, "name": name[:MAX_NAME], "csrf": token, "next": next_url}
    response = render(request, "auth/login.html", ctx, status_code=status, headers=headers)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        pre_session,
        httponly=True,
        samesite="strict",
        secure=cookies_secure(request),
        path="/login",
    )
    return response


def login_page(request: Request, session: SessionDep) -> Response:
    """The sign-in form; a signed-in user goes straight on."""
    if session_viewer(session, request.cookies.get(auth.SESSION_COOKIE)) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return login_form(request)


def _reserve(engine: Engine, name: str, address: str | None, limits: LoginLimits) -> float:
    with writer(engine).begin() as conn:
        return reserve_attempt(conn, name, address, limits, auth.utcnow())


def _candidate(engine: Engine, name: str) -> auth.LoginCandidate:
    with Session(engine) as session:
        return auth.login_candidate(session, name)


def _settle(
    engine: Engine,
    name: str,
    address: str | None,
    limits: LoginLimits,
    user_id: int | None,
    ttl: timedelta,
    new_hash: str | None,
) -> str | None:
    """Record the outcome; for a user (`user_id`) also start a session and return its cookie."""
    now: datetime = auth.utcnow()
    with Session(writer(engine)) as session:
        record_outcome(session.connection(), name, address, limits, now, user_id is not None)
        user = session.get(User, user_id) if user_id is not None else None
        cookie = None
        if user is not None:
            if new_hash is not None:
                user.password_hash = new_hash
                session.add(user)
            cookie, _csrf = auth.create_session(session, user, now=now, ttl=ttl)
        session.commit()
        return cookie


async def _verify(
    request: Request, candidate: auth.LoginCandidate, password: str
) -> tuple[bool, str | None]:
    """(password right, a new hash when the stored one has an outdated cost)."""
    workers: anyio.CapacityLimiter = request.app.state.password_workers
    ok = await anyio.to_thread.run_sync(auth.check_password, candidate, password, limiter=workers)
    cost: auth.PasswordCost = request.app.state.password_cost
    if ok and candidate.password_hash and auth.needs_rehash(candidate.password_hash, cost):
        return ok, await anyio.to_thread.run_sync(
            auth.hash_password, password, cost, limiter=workers
        )
    return ok, None


def set_session_cookie(response: Response, request: Request, cookie: str) -> None:
    """Put the session cookie on `response`: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie,
        max_age=get_settings(request).session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=cookies_secure(request),
        path="/",
    )


def _signed_in(request: Request, cookie: str, next_url: str) -> Response:
    response = RedirectResponse(safe_next(next_url), status_code=303)
    set_session_cookie(response, request, cookie)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def login(
    request: Request,
    name: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
) -> Response:
    """Check the CSRF token, charge the attempt, check the password; then start a session."""
    secret = request.app.state.csrf_secret
    check_login_csrf(secret, request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token)
    if not name or not password or len(name) > MAX_NAME or len(password) > MAX_PASSWORD:
        return login_form(request, 401, WRONG, name, next)  # no such user can exist: no work
    if "\x00" in name:
        return login_form(request, 401, WRONG, "", next)
    engine, limits = get_engine(request), request.app.state.login_limits
    address = request.client.host if request.client else None
    wait = await run_in_threadpool(_reserve, engine, name, address, limits)
    if wait > 0:
        seconds = math.ceil(wait)
        message = f"Too many failed sign-ins. Try again in {seconds} seconds."
        return login_form(request, 429, message, name, next, {"Retry-After": str(seconds)})
    candidate = await run_in_threadpool(_candidate, engine, name)
    ok, new_hash = await _verify(request, candidate, password)
    ttl = timedelta(seconds=get_settings(request).session_ttl_s)
    user_id = candidate.user_id if ok else None
    cookie = await run_in_threadpool(_settle, engine, name, address, limits, user_id, ttl, new_hash)
    if cookie is None:
        return login_form(request, 401, WRONG, name, next)
    return _signed_in(request, cookie, next)


def logout(
    request: Request, session: SessionDep, viewer: ViewerDep, csrf_token: FormText = ""
) -> Response:
    """End the session (CSRF-checked) and go back to the sign-in page."""
    check_csrf(viewer.csrf, csrf_token)
    auth.end_session(session, request.cookies.get(auth.SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response
