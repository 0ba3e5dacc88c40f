"""Users and their access: the password policy on every path, disable/enable, new passwords,
API tokens that expire, are revoked one by one or all, and record their last use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from sync_server.services import InvalidInput, NotFound, auth, users
from sync_server.services.password_policy import password_problem

T0 = datetime(2026, 1, 1, tzinfo=UTC)
GOOD = "a-long-enough-password"


@pytest.mark.parametrize(
    "password",
    ["short", "elevenchars", "password1234", "Password2026!", "123456789012", "aaaaaaaaaaaaaa",
     "qwertyuiop12", "Welcome!!2026", "ada-is-my-name-1"],
)  # fmt: skip
def test_policy_refuses_short_common_and_name_passwords(password: str) -> None:
    assert password_problem(password, "ada") is not None


@pytest.mark.parametrize("password", [GOOD, "correct horse battery", "tr0ub4dor&3-xk"])
def test_policy_accepts_long_uncommon_passwords(password: str) -> None:
    assert password_problem(password, "ada") is None


def test_policy_applies_to_add_user_and_set_password(session: Session) -> None:
    with pytest.raises(InvalidInput, match="12 characters"):
        auth.add_user(session, "ada", "viewer", "short")
    with pytest.raises(InvalidInput, match="12 characters"):
        auth.add_user(session, "ada", "viewer", "")  # an empty password is not "no password"
    user = auth.add_user(session, "ada", "viewer", GOOD)
    with pytest.raises(InvalidInput, match="common"):
        auth.set_password(session, user, "password1234")
    token_only = auth.add_user(session, "robot", "viewer")
    assert token_only.password_hash is None


def test_disable_ends_sessions_and_revokes_tokens_enable_gives_back_the_password(session):
    user = auth.add_user(session, "ada", "viewer", GOOD)
    token = auth.create_api_token(session, user)
    cookie, _ = auth.create_session(session, user)
    session.commit()
    users.set_disabled(session, "ada", True)
    session.commit()
    assert auth.user_for_session(session, cookie) is None
    assert auth.user_for_api_token(session, token) is None
    assert auth.authenticate_user(session, "ada", GOOD) is None
    users.set_disabled(session, "ada", False)
    session.commit()
    assert auth.authenticate_user(session, "ada", GOOD) is not None
    assert auth.user_for_api_token(session, token) is None  # tokens stay revoked
    assert auth.user_for_session(session, cookie) is None
    with pytest.raises(NotFound):
        users.set_disabled(session, "ghost", True)


def test_change_password_ends_every_session(session: Session) -> None:
    user = auth.add_user(session, "ada", "viewer", GOOD)
    cookie, _ = auth.create_session(session, user)
    session.commit()
    users.change_password(session, "ada", "another-long-password")
    session.commit()
    assert auth.user_for_session(session, cookie) is None
    assert auth.authenticate_user(session, "ada", "another-long-password") is not None


def test_tokens_expire_revoke_one_or_all_and_show_last_use(session: Session) -> None:
    auth.add_user(session, "ada", "viewer")
    short, short_row = users.new_api_token(session, "ada", timedelta(hours=1), now=T0)
    keep, _ = users.new_api_token(session, "ada", None, now=T0)
    other, other_row = users.new_api_token(session, "ada", None, now=T0)
    session.commit()
    assert short_row.expires_at == T0 + timedelta(hours=1)
    assert auth.user_for_api_token(session, short, now=T0 + timedelta(minutes=59)) is not None
    assert auth.user_for_api_token(session, short, now=T0 + timedelta(hours=1)) is None
    assert users.revoke_tokens(session, "ada", other_row.id) == 1
    session.commit()
    assert auth.user_for_api_token(session, other) is None
    assert auth.user_for_api_token(session, keep) is not None
    assert users.touch_api_token(session, keep, T0, timedelta(minutes=1))
    assert not users.touch_api_token(
        session, keep, T0 + timedelta(seconds=30), timedelta(minutes=1)
    )
    session.commit()
    (info,) = users.list_users(session)
    used = [t.last_used_at for t in info.tokens if t.last_used_at is not None]
    assert used == [T0]
    states = sorted(t.state(T0 + timedelta(hours=2)) for t in info.tokens)
    assert states == ["active", "expired", "revoked"]
    assert users.revoke_tokens(session, "ada") == 2  # the live ones (expired counts as live row)
    with pytest.raises(NotFound):
        users.revoke_tokens(session, "ada", 99999)


@pytest.mark.parametrize(("text", "seconds"), [("90m", 5400), ("12h", 43200), ("30d", 2592000)])
def test_parse_duration(text: str, seconds: int) -> None:
    assert users.parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "0d", "10", "1y", "-5m", "99999999d"])
def test_parse_duration_refuses_nonsense(text: str) -> None:
    with pytest.raises(InvalidInput):
        users.parse_duration(text)
