from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync_server.services import Conflict, InvalidInput, NotFound, auth

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_password_hash_verifies_only_the_right_password():
    h = auth.hash_password("correct horse")
    assert h.startswith("$argon2")
    assert auth.verify_password(h, "correct horse")
    assert not auth.verify_password(h, "wrong")
    assert not auth.verify_password(None, "x")
    assert not auth.verify_password("garbage", "x")


def test_device_token_is_stored_hashed_and_revocation_is_immediate(session):
    enr = auth.enroll_device(session, "dock3-portal", "WH1-DOCK3", now=T0)
    session.commit()
    device = auth.device_for_token(session, enr.token)
    assert device is not None and device.device_id == "dock3-portal"
    assert device.token_hash != enr.token and len(device.token_hash) == 64
    assert auth.device_for_token(session, "not-a-token") is None
    auth.revoke_device(session, "dock3-portal")
    session.commit()
    assert auth.device_for_token(session, enr.token) is None


def test_enroll_device_rejects_bad_and_duplicate_names(session):
    with pytest.raises(InvalidInput):
        auth.enroll_device(session, "bad name!")
    auth.enroll_device(session, "d1")
    with pytest.raises(Conflict):
        auth.enroll_device(session, "d1")
    with pytest.raises(NotFound):
        auth.revoke_device(session, "nope")


def test_users_roles_and_api_tokens(session):
    with pytest.raises(InvalidInput):
        auth.add_user(session, "eve", "root")
    user = auth.add_user(session, "ada", "auditor", "pw-1234-long-enough", now=T0)
    with pytest.raises(Conflict):
        auth.add_user(session, "ada", "viewer")
    token = auth.create_api_token(session, user)
    session.commit()
    found = auth.user_for_api_token(session, token)
    assert found is not None and found.name == "ada"
    assert auth.user_for_api_token(session, token + "x") is None
    assert auth.authenticate_user(session, "ada", "pw-1234-long-enough") is not None
    assert auth.authenticate_user(session, "ada", "nope") is None
    assert auth.authenticate_user(session, "ghost", "pw-1234-long-enough") is None
    assert auth.role_allows("admin", "auditor")
    assert auth.role_allows("auditor", "viewer")
    assert not auth.role_allows("viewer", "auditor")
    assert not auth.role_allows("auditor", "admin")


def test_web_session_lifecycle(session):
    user = auth.add_user(session, "bob", "viewer")
    cookie, csrf = auth.create_session(session, user, now=T0, ttl=timedelta(hours=1))
    session.commit()
    assert cookie != csrf
    found = auth.user_for_session(session, cookie, now=T0 + timedelta(minutes=5))
    assert found is not None and found.name == "bob"
    assert auth.csrf_for_session(session, cookie, now=T0) == csrf
    assert auth.user_for_session(session, cookie, now=T0 + timedelta(hours=2)) is None
    auth.end_session(session, cookie)
    session.commit()
    assert auth.user_for_session(session, cookie, now=T0) is None
