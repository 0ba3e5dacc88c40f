"""Managing people's access: list, disable and enable users, change passwords, issue and revoke
API tokens. Taking access away (disable, revoke, a new password) ends it at once: the user's web
sessions are deleted and, for disable, every API token is revoked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from sync_server.models import ApiToken, User, WebSession
from sync_server.services import InvalidInput, NotFound, auth

_DURATION = re.compile(r"^\s*(\d{1,6})\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
MAX_TOKEN_LIFE = timedelta(days=3650)


@dataclass(frozen=True)
class TokenInfo:
    """An API token as an admin sees it (never the secret)."""

    id: int
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        """`active`, `expired` or `revoked`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True)
class UserInfo:
    """A user as the list shows it."""

    name: str
    role: str
    disabled: bool
    has_password: bool
    created_at: datetime
    tokens: tuple[TokenInfo, ...]


def parse_duration(text: str) -> timedelta:
    """`90m`, `12h`, `30d`, `2w` or `3600s` as a timedelta; 422 for anything else."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise InvalidInput(f"{text!r} is not a duration like 90m, 12h, 30d or 2w")
    life = timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    if life > MAX_TOKEN_LIFE:
        raise InvalidInput("a token may live at most 3650 days")
    return life


def find_user(session: Session, name: str) -> User:
    """The user `name`; 404 when there is none."""
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def list_users(session: Session) -> list[UserInfo]:
    """Every user by name, with their tokens (newest first)."""
    tokens: dict[int, list[TokenInfo]] = {}
    for row in session.exec(select(ApiToken).order_by(ApiToken.id.desc())).all():  # type: ignore[union-attr]
        assert row.id is not None
        info = TokenInfo(row.id, row.created_at, row.expires_at, row.last_used_at, row.revoked_at)
        tokens.setdefault(row.user_id, []).append(info)
    return [
        UserInfo(
            name=u.name,
            role=u.role,
            disabled=u.disabled,
            has_password=u.password_hash is not None,
            created_at=u.created_at,
            tokens=tuple(tokens.get(u.id or 0, ())),
        )
        for u in session.exec(select(User).order_by(User.name)).all()
    ]


def end_sessions(session: Session, user: User) -> None:
    """Sign the user out of every browser at once."""
    session.exec(delete(WebSession).where(WebSession.user_id == user.id))  # type: ignore[arg-type]
    session.flush()


def revoke_tokens(
    session: Session, name: str, token_id: int | None = None, now: datetime | None = None
) -> int:
    """Revoke one of the user's API tokens (`token_id`) or all of them; how many were live.
    404 for an unknown user or a token that is not theirs."""
    user = find_user(session, name)
    query = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))  # type: ignore[arg-type, union-attr]
    if token_id is not None:
        owned = session.get(ApiToken, token_id)
        if owned is None or owned.user_id != user.id:
            raise NotFound(f"user {name!r} has no token {token_id}")
        query = query.where(ApiToken.id == token_id)  # type: ignore[arg-type]
    result = session.exec(query.values(revoked_at=now or auth.utcnow()))
    session.flush()
    session.expire_all()
    return int(result.rowcount)


def set_disabled(session: Session, name: str, disabled: bool, now: datetime | None = None) -> User:
    """Disable (sessions ended, every token revoked) or enable a user; enabling gives back
    the password, not the tokens."""
    user = find_user(session, name)
    user.disabled = disabled
    session.add(user)
    session.flush()
    if disabled:
        end_sessions(session, user)
        revoke_tokens(session, name, now=now)
    return user


def change_password(session: Session, name: str, password: str) -> User:
    """Give `name` a new password (it must meet the policy) and end all their sessions."""
    user = find_user(session, name)
    auth.set_password(session, user, password)
    end_sessions(session, user)
    return user


def new_api_token(
    session: Session, name: str, expires_in: timedelta | None, now: datetime | None = None
) -> tuple[str, ApiToken]:
    """A new API token for `name` (the secret is returned once), expiring after `expires_in`."""
    user = find_user(session, name)
    if user.disabled:
        raise InvalidInput(f"user {name!r} is disabled; enable it first")
    now = now or auth.utcnow()
    secret = auth.create_api_token(session, user, now, now + expires_in if expires_in else None)
    row = auth.api_token_for(session, secret, now)
    assert row is not None
    return secret, row


def touch_api_token(session: Session, token: str, now: datetime, every: timedelta) -> bool:
    """Record that `token` was used at `now`, at most once per `every` (a write per request
    would cost more than it tells). True when written."""
    row = session.exec(
        select(ApiToken).where(ApiToken.token_hash == auth.hash_token(token))
    ).first()
    if row is None or (row.last_used_at is not None and now - row.last_used_at < every):
        return False
    row.last_used_at = now
    session.add(row)
    session.flush()
    return True
