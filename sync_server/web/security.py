"""Who is signed in to the web UI, CSRF checks and the errors the UI shows as pages."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlmodel import Session

from sync_server.api.deps import SessionDep
from sync_server.models import User
from sync_server.services import auth

LOGIN_CSRF_COOKIE = "scanstation_login_csrf"


class WebError(Exception):
    """A request the UI refuses with an HTML page: `status` and a message a person can act on."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SignInRequired(Exception):
    """No live session: the UI sends the browser to /login and back to `next_url` after."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True)
class Viewer:
    """The signed-in user of this request and the CSRF token their forms must carry."""

    user: User
    csrf: str

    @property
    def is_admin(self) -> bool:
        """True when this user may act (attach codes), not only look."""
        return auth.role_allows(self.user.role, "admin")

    @property
    def can_audit(self) -> bool:
        """True when this user may run audits (open, resolve, close): an auditor or admin."""
        return auth.role_allows(self.user.role, "auditor")


def login_url(next_url: str) -> str:
    """The sign-in page that returns to `next_url` afterwards."""
    return "/login?next=" + quote(next_url, safe="/")


def safe_next(next_url: str | None) -> str:
    """`next_url` when it is a path on this site, else the assets page (no open redirects)."""
    if next_url and next_url.startswith("/") and not next_url.startswith(("//", "/\\")):
        return next_url
    return "/assets"


def session_viewer(session: Session, cookie: str | None) -> Viewer | None:
    """The viewer for a session cookie, or None when it is missing, unknown or expired."""
    if not cookie:
        return None
    web = auth.web_session_for_cookie(session, cookie)
    user = auth.user_for_session(session, cookie) if web is not None else None
    if web is None or user is None:
        return None
    return Viewer(user=user, csrf=web.csrf_token)


def signed_in(request: Request, session: SessionDep) -> Viewer:
    """The signed-in viewer; SignInRequired (a redirect to /login) otherwise."""
    viewer = session_viewer(session, request.cookies.get(auth.SESSION_COOKIE))
    if viewer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    return viewer


ViewerDep = Annotated[Viewer, Depends(signed_in)]


def check_csrf(expected: str | None, given: str) -> None:
    """403 unless the form's token equals the one bound to the session (or login cookie)."""
    if not expected or not given or not secrets.compare_digest(expected, given):
        raise WebError(403, "This form has expired or did not come from this site. Reload it.")


def require_admin(viewer: Viewer) -> None:
    """403 for anyone but an admin."""
    if not viewer.is_admin:
        raise WebError(403, f"Only an admin can do this; {viewer.user.name} is {viewer.user.role}.")


def require_auditor(viewer: Viewer) -> None:
    """403 for a viewer: only auditors and admins run audits."""
    if not viewer.can_audit:
        raise WebError(
            403, f"Only an auditor or admin can do this; {viewer.user.name} is {viewer.user.role}."
        )


def cookies_secure(request: Request) -> bool:
    """True when cookies must be `Secure`: the site is configured as HTTPS, or this request
    came over HTTPS (TLS here, or X-Forwarded-Proto from a proxy the operator trusts)."""
    settings = request.app.state.settings
    return bool(settings.https or settings.secure_cookies or request.url.scheme == "https")


def new_login_csrf() -> str:
    """A fresh pre-session id for the sign-in form's cookie."""
    return auth.new_token()


def login_form_token(secret: str, pre_session: str) -> str:
    """The CSRF token the sign-in form must carry: bound to its pre-session cookie by an HMAC
    under the server's secret, so a token is worthless without the cookie it was made for and
    the cookie alone does not give the token."""
    return hmac.new(secret.encode(), b"login:" + pre_session.encode(), hashlib.sha256).hexdigest()


def check_login_csrf(secret: str, pre_session: str | None, given: str) -> None:
    """403 unless `given` is the token of this browser's pre-session."""
    expected = login_form_token(secret, pre_session) if pre_session else None
    check_csrf(expected, given)
