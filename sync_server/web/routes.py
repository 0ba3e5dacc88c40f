"""HTML routes of the web UI; thin over the services in `sync_server.services`."""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync_server.api.deps import SessionDep, SettingsDep
from sync_server.services import auth
from sync_server.services.login_limiter import LoginRateLimiter
from sync_server.web import pages
from sync_server.web.render import render
from sync_server.web.security import (
    LOGIN_CSRF_COOKIE,
    ViewerDep,
    check_csrf,
    new_login_csrf,
    safe_next,
    session_viewer,
)

FormText = Annotated[str, Form()]
MAX_NAME = 128  # User.name


def build_router() -> APIRouter:
    """The UI's routes (built per app, no module-level state)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    router.add_api_route("/", home, methods=["GET"])
    router.add_api_route("/login", login_page, methods=["GET"])
    router.add_api_route("/login", login, methods=["POST"])
    router.add_api_route("/logout", logout, methods=["POST"])
    pages.add_page_routes(router)
    return router


def home() -> RedirectResponse:
    """The UI starts at the assets list."""
    return RedirectResponse("/assets", status_code=303)


def _login_form(
    request: Request,
    status: int = 200,
    error: str | None = None,
    name: str = "",
    next_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
    next_url = next_url or request.query_params.get("next")
    ctx = {"error": error, "name": name, "csrf": token, "next": next_url}
    response = render(request, "auth/login.html", ctx, status_code=status, headers=headers)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


def login_page(request: Request, session: SessionDep) -> Response:
    """The sign-in form; a signed-in user goes straight on."""
    if session_viewer(session, request.cookies.get(auth.SESSION_COOKIE)) is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _login_form(request)


def _limiter(request: Request) -> LoginRateLimiter:
    limiter: LoginRateLimiter = request.app.state.login_limiter
    return limiter


def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    name: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
) -> Response:
    """Check the CSRF token, the rate limit and the password; then start a session."""
    check_csrf(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token)
    limiter, client = _limiter(request), request.client.host if request.client else None
    wait = limiter.check_login_allowed(name, client, time.monotonic())
    if wait > 0:
        seconds = math.ceil(wait)
        message = f"Too many failed sign-ins. Try again in {seconds} seconds."
        return _login_form(request, 429, message, name, next, {"Retry-After": str(seconds)})
    plausible = name and password and len(name) <= MAX_NAME and "\x00" not in name
    user = auth.authenticate_user(session, name, password) if plausible else None
    if user is None:
        limiter.record_failure(name, client, time.monotonic())
        return _login_form(request, 401, "Wrong user name or password.", name, next)
    limiter.record_success(name, client)
    ttl = timedelta(seconds=settings.session_ttl_s)
    cookie, _csrf = auth.create_session(session, user, ttl=ttl)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        cookie,
        max_age=settings.session_ttl_s,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def logout(
    request: Request, session: SessionDep, viewer: ViewerDep, csrf_token: FormText = ""
) -> Response:
    """End the session (CSRF-checked) and go back to the sign-in page."""
    check_csrf(viewer.csrf, csrf_token)
    auth.end_session(session, request.cookies.get(auth.SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response
