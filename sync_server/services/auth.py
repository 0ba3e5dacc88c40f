"""Credentials: argon2 passwords, random tokens stored as SHA-256 hashes, devices, users with
roles, API tokens and web sessions. Tokens are shown once and never stored in clear."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from shared.wire import DEVICE_ID_PATTERN
from sync_server.models import ApiToken, Device, ServerSecret, User, WebSession
from sync_server.services import Conflict, InvalidInput, NotFound
from sync_server.services.password_policy import check_password_policy

ROLES = ("admin", "auditor", "viewer")
SESSION_COOKIE = "scanstation_session"
DEFAULT_SESSION_TTL = timedelta(hours=12)
_USER_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,128}$")


def utcnow() -> datetime:
    """The current time, tz-aware UTC."""
    return datetime.now(UTC)


def new_token() -> str:
    """A fresh random secret for a token, cookie or CSRF value."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 (tokens are random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class PasswordCost:
    """argon2id cost of new hashes (argon2-cffi's defaults: RFC 9106's low-memory choice).
    A check always uses the cost stored in the hash; an older cost is upgraded at sign-in."""

    time_cost: int = 3
    memory_kib: int = 65536


def _hasher(cost: PasswordCost | None = None) -> PasswordHasher:
    cost = cost or PasswordCost()
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib)


def hash_password(password: str, cost: PasswordCost | None = None) -> str:
    """An argon2id hash of `password`."""
    return _hasher(cost).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches `password_hash`; False for a missing or corrupt hash."""
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# -- devices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrollment:
    """A new device and its token (shown once)."""

    device_id: str
    token: str


def enroll_device(
    session: Session, device_id: str, read_point: str | None = None, now: datetime | None = None
) -> Enrollment:
    """Register a device named `device_id` and return its one-time token; 409 if it exists."""
    if not re.fullmatch(DEVICE_ID_PATTERN, device_id):
        raise InvalidInput(f"device id {device_id!r} must match {DEVICE_ID_PATTERN}")
    if session.exec(select(Device).where(Device.device_id == device_id)).first() is not None:
        raise Conflict(f"device {device_id!r} is already enrolled")
    token = new_token()
    session.add(
        Device(
            device_id=device_id,
            token_hash=hash_token(token),
            read_point=read_point,
            created_at=now or utcnow(),
        )
    )
    session.flush()
    return Enrollment(device_id=device_id, token=token)


def revoke_device(session: Session, device_id: str, now: datetime | None = None) -> Device:
    """Make the device's token stop working at once; 404 for an unknown device."""
    device = session.exec(select(Device).where(Device.device_id == device_id)).first()
    if device is None:
        raise NotFound(f"no device {device_id!r}")
    if device.revoked_at is None:
        device.revoked_at = now or utcnow()
        session.add(device)
        session.flush()
    return device


def device_id_for_token(conn: Connection, token: str) -> str | None:
    """The id of the enrolled, unrevoked device holding `token`, or None (one Core query:
    this runs on every sync request)."""
    table = Device.__table__  # type: ignore[attr-defined]
    row = conn.execute(
        sa_select(table.c.device_id, table.c.revoked_at).where(
            table.c.token_hash == hash_token(token)
        )
    ).first()
    if row is None or row[1] is not None:
        return None
    return str(row[0])


def device_for_token(session: Session, token: str) -> Device | None:
    """The enrolled, unrevoked device holding `token`, or None."""
    device = session.exec(select(Device).where(Device.token_hash == hash_token(token))).first()
    if device is None or device.revoked_at is not None:
        return None
    return device


# -- users and API tokens --------------------------------------------------------------------


def add_user(
    session: Session, name: str, role: str, password: str | None = None, now: datetime | None = None
) -> User:
    """Create a user with `role` (admin, auditor or viewer); 409 if the name is taken. Without
    a password the user can only use API tokens; a password must meet the policy (422)."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not _USER_NAME.fullmatch(name):
        raise InvalidInput(f"user name {name!r} must be 1-128 of A-Z a-z 0-9 . _ @ -")
    if password is not None:
        check_password_policy(password, name)
    if session.exec(select(User).where(User.name == name)).first() is not None:
        raise Conflict(f"user {name!r} already exists")
    user = User(
        name=name,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        created_at=now or utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Replace the user's password; it must meet the policy (422)."""
    check_password_policy(password, user.name)
    user.password_hash = hash_password(password)
    session.add(user)
    session.flush()


def create_api_token(
    session: Session, user: User, now: datetime | None = None, expires_at: datetime | None = None
) -> str:
    """A new API token for `user` (returned once; only its hash is kept), valid until
    `expires_at` (None: until revoked)."""
    assert user.id is not None
    token = new_token()
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now or utcnow(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return token


def api_token_for(session: Session, token: str, now: datetime | None = None) -> ApiToken | None:
    """The live API token row for `token` (not revoked, not expired, its user enabled)."""
    row = session.exec(
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)  # type: ignore[arg-type]
        .where(ApiToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        return None
    user, api_token = row
    expired = api_token.expires_at is not None and api_token.expires_at <= (now or utcnow())
    if api_token.revoked_at is not None or user.disabled or expired:
        return None
    return api_token


def user_for_api_token(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The enabled user holding the live API `token`, or None."""
    api_token = api_token_for(session, token, now)
    return None if api_token is None else session.get(User, api_token.user_id)


@dataclass(frozen=True)
class LoginCandidate:
    """What a sign-in needs of the user named at the form, read before any password work."""

    user_id: int | None
    password_hash: str | None
    disabled: bool


def login_candidate(session: Session, name: str) -> LoginCandidate:
    """The user `name` as a sign-in sees it (an unknown name gives an empty candidate)."""
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        return LoginCandidate(None, None, True)
    return LoginCandidate(user.id, user.password_hash, user.disabled)


def check_password(candidate: LoginCandidate, password: str) -> bool:
    """True when `password` signs `candidate` in. Pure CPU work, no database: call it outside
    any transaction. Unknown and password-less users cost the same work as a real check, so
    timing does not reveal which names exist."""
    if candidate.user_id is None or not candidate.password_hash:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(candidate.password_hash, password) and not candidate.disabled


def needs_rehash(password_hash: str, cost: PasswordCost | None = None) -> bool:
    """True when the hash was made with other argon2 parameters than `cost`."""
    return _hasher(cost).check_needs_rehash(password_hash)


def authenticate_user(session: Session, name: str, password: str) -> User | None:
    """The enabled user `name` if `password` is right, else None (same answer for both).
    This checks the password inside the caller's transaction: the web sign-in uses
    `login_candidate` and `check_password` instead so no lock is held while hashing."""
    candidate = login_candidate(session, name)
    if not check_password(candidate, password):
        return None
    user = session.get(User, candidate.user_id)
    assert user is not None and user.password_hash is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the same password: no policy check
        session.add(user)
    return user


@functools.cache
def _dummy_hash() -> str:
    return hash_password(new_token())


def role_allows(role: str, needed: str) -> bool:
    """True when `role` covers `needed`: viewer < auditor < admin."""
    rank = {"viewer": 0, "auditor": 1, "admin": 2}
    return role in rank and needed in rank and rank[role] >= rank[needed]


# -- web sessions ----------------------------------------------------------------------------


def create_session(
    session: Session, user: User, now: datetime | None = None, ttl: timedelta = DEFAULT_SESSION_TTL
) -> tuple[str, str]:
    """Sign `user` in: returns (cookie value, CSRF token); only the cookie's hash is stored."""
    assert user.id is not None
    now = now or utcnow()
    cookie, csrf = new_token(), new_token()
    session.add(
        WebSession(
            session_hash=hash_token(cookie),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return cookie, csrf


def web_session_for_cookie(
    session: Session, cookie_value: str, now: datetime | None = None
) -> WebSession | None:
    """The live web session for `cookie_value`, or None when unknown or expired."""
    row = session.exec(
        select(WebSession).where(WebSession.session_hash == hash_token(cookie_value))
    ).first()
    if row is None or row.expires_at <= (now or utcnow()):
        return None
    return row


def user_for_session(
    session: Session, cookie_value: str, now: datetime | None = None
) -> User | None:
    """The enabled user signed in with `cookie_value`, or None."""
    web = web_session_for_cookie(session, cookie_value, now)
    if web is None:
        return None
    user = session.get(User, web.user_id)
    if user is None or user.disabled:
        return None
    return user


def csrf_for_session(
    session: Session, cookie_value: str, now: datetime | None = None
) -> str | None:
    """The CSRF token bound to a live session, or None."""
    web = web_session_for_cookie(session, cookie_value, now)
    return None if web is None else web.csrf_token


def end_session(session: Session, cookie_value: str) -> None:
    """Sign out: the cookie stops working at once (unknown cookies are ignored)."""
    row = session.exec(
        select(WebSession).where(WebSession.session_hash == hash_token(cookie_value))
    ).first()
    if row is not None:
        session.delete(row)
        session.flush()


def purge_expired_sessions(session: Session, now: datetime | None = None) -> None:
    """Delete web sessions past their expiry."""
    now = now or utcnow()
    for row in session.exec(select(WebSession).where(WebSession.expires_at <= now)).all():
        session.delete(row)
    session.flush()


def server_secret(conn: Connection, name: str) -> str:
    """The random secret `name`, shared by every server process: made by whichever starts
    first, read by the others."""
    table = ServerSecret.__table__  # type: ignore[attr-defined]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(table).values(name=name, value=new_token()).on_conflict_do_nothing()
    )
    return str(conn.execute(sa_select(table.c.value).where(table.c.name == name)).scalar_one())
