"""Pages for people's access: admins manage users and API tokens (`/users`); everyone changes
their own password (`/account`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from sync_server.api.deps import SessionDep, get_engine
from sync_server.db import writer
from sync_server.models import User
from sync_server.services import InvalidInput, NotFound, auth, users
from sync_server.services.password_policy import password_problem
from sync_server.web.render import render
from sync_server.web.security import (
    Viewer,
    ViewerDep,
    WebError,
    check_csrf,
    require_admin,
    session_viewer,
)
from sync_server.web.signin import set_session_cookie

FormText = Annotated[str, Form()]
EXPIRY_CHOICES = {"": "never", "1d": "1 day", "30d": "30 days", "90d": "90 days", "365d": "1 year"}


def build_users_router() -> APIRouter:
    """The user-management and account pages."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    router.add_api_route("/users", users_page, methods=["GET"])
    router.add_api_route("/users/{name}/disable", disable_user, methods=["POST"])
    router.add_api_route("/users/{name}/enable", enable_user, methods=["POST"])
    router.add_api_route("/users/{name}/password", reset_password, methods=["POST"])
    router.add_api_route("/users/{name}/tokens", issue_token, methods=["POST"])
    router.add_api_route("/users/{name}/tokens/{token_id}/revoke", revoke_token, methods=["POST"])
    router.add_api_route("/account", account_page, methods=["GET"])
    router.add_api_route("/account/password", change_own_password, methods=["POST"])
    return router


def _users(
    request: Request,
    session: Session,
    viewer: Viewer,
    status: int = 200,
    **extra: object,
) -> Response:
    ctx = {
        "viewer": viewer,
        "section": "users",
        "users": users.list_users(session),
        "now": auth.utcnow(),
        "expiry_choices": EXPIRY_CHOICES,
        **extra,
    }
    return render(request, "users/index.html", ctx, status_code=status)


def _admin(viewer: Viewer, csrf_token: str | None = None) -> None:
    if csrf_token is not None:
        check_csrf(viewer.csrf, csrf_token)
    require_admin(viewer)


def users_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Admin only: every user, their state and their API tokens (expiry, last use)."""
    _admin(viewer)
    return _users(request, session, viewer)


def _act(
    request: Request, session: Session, viewer: Viewer, done: str, action: Callable[[], object]
) -> Response:
    try:
        action()
    except (NotFound, InvalidInput) as err:
        session.rollback()
        status = 404 if isinstance(err, NotFound) else 422
        return _users(request, session, viewer, status, error=str(err))
    return _users(request, session, viewer, notice=done)


def disable_user(
    request: Request, session: SessionDep, viewer: ViewerDep, name: str, csrf_token: FormText = ""
) -> Response:
    """Admin only: disable a user; their sessions end and their tokens are revoked."""
    _admin(viewer, csrf_token)
    if name == viewer.user.name:
        return _users(request, session, viewer, 422, error="You cannot disable yourself.")
    action = lambda: users.set_disabled(session, name, True)  # noqa: E731
    return _act(
        request, session, viewer, f"{name} disabled; sessions ended, tokens revoked.", action
    )


def enable_user(
    request: Request, session: SessionDep, viewer: ViewerDep, name: str, csrf_token: FormText = ""
) -> Response:
    """Admin only: enable a disabled user again."""
    _admin(viewer, csrf_token)
    action = partial(users.set_disabled, session, name, False)
    return _act(request, session, viewer, f"{name} enabled.", action)


def reset_password(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    name: str,
    password: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: give a user a new password (policy-checked); their sessions end."""
    _admin(viewer, csrf_token)
    action = partial(users.change_password, session, name, password)
    return _act(request, session, viewer, f"Password of {name} changed.", action)


def issue_token(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    name: str,
    expires_in: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Admin only: a new API token for a user, shown once on the page that answers."""
    _admin(viewer, csrf_token)
    try:
        life = users.parse_duration(expires_in) if expires_in else None
        secret, row = users.new_api_token(session, name, life)
    except (NotFound, InvalidInput) as err:
        session.rollback()
        status = 404 if isinstance(err, NotFound) else 422
        return _users(request, session, viewer, status, error=str(err))
    issued = {"user": name, "secret": secret, "id": row.id}
    return _users(request, session, viewer, issued=issued)


def revoke_token(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    name: str,
    token_id: int,
    csrf_token: FormText = "",
) -> Response:
    """Admin only: revoke one API token of a user."""
    _admin(viewer, csrf_token)
    action = partial(users.revoke_tokens, session, name, token_id)
    return _act(request, session, viewer, f"Token {token_id} of {name} revoked.", action)


def account_page(request: Request, viewer: ViewerDep) -> Response:
    """The signed-in user's own account: change the password."""
    return render(request, "account/index.html", {"viewer": viewer, "section": "account"})


def _viewer_of(request: Request) -> Viewer | None:
    with Session(get_engine(request)) as session:
        return session_viewer(session, request.cookies.get(auth.SESSION_COOKIE))


def _store_password(request: Request, user_id: int, new_hash: str) -> str:
    """Set the hash, end every session of the user and start a fresh one for this browser."""
    with Session(writer(get_engine(request))) as session:
        user = session.get(User, user_id)
        if user is None or user.disabled:
            raise WebError(403, "This account is disabled.")
        user.password_hash = new_hash
        session.add(user)
        users.end_sessions(session, user)
        ttl = timedelta(seconds=request.app.state.settings.session_ttl_s)
        cookie, _csrf = auth.create_session(session, user, ttl=ttl)
        session.commit()
        return cookie


async def change_own_password(
    request: Request,
    current: FormText = "",
    password: FormText = "",
    confirm: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Change your own password: the current one, then a new one (policy-checked) twice. Other
    browsers are signed out; this one gets a fresh session. No lock is held while hashing."""
    viewer = await run_in_threadpool(_viewer_of, request)
    if viewer is None:
        raise WebError(401, "Sign in first.")
    check_csrf(viewer.csrf, csrf_token)
    ctx: dict[str, object] = {"viewer": viewer, "section": "account"}
    candidate = auth.LoginCandidate(viewer.user.id, viewer.user.password_hash, False)
    workers: anyio.CapacityLimiter = request.app.state.password_workers
    ok = await anyio.to_thread.run_sync(auth.check_password, candidate, current, limiter=workers)
    problem = (
        password_problem(password, viewer.user.name) if ok else "The current password is wrong."
    )
    if problem is None and password != confirm:
        problem = "The two new passwords differ."
    if problem is not None:
        return render(request, "account/index.html", {**ctx, "error": problem}, status_code=422)
    cost = request.app.state.password_cost
    new_hash = await anyio.to_thread.run_sync(auth.hash_password, password, cost, limiter=workers)
    assert viewer.user.id is not None
    cookie = await run_in_threadpool(_store_password, request, viewer.user.id, new_hash)
    response = RedirectResponse("/account?changed=1", status_code=303)
    set_session_cookie(response, request, cookie)
    return response
