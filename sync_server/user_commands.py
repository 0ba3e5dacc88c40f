"""`scanstation user ...` beyond `add`: list, disable, enable, passwd, token new, token revoke.
Data goes to stdout (one JSON object per line with --json); errors to stderr, exit code 1."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from sync_server.commands import _out, _run
from sync_server.services import auth, users


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _user_json(info: users.UserInfo, now: datetime) -> dict[str, object]:
    tokens = [
        {
            "id": t.id,
            "state": t.state(now),
            "created_at": _when(t.created_at),
            "expires_at": _when(t.expires_at),
            "last_used_at": _when(t.last_used_at),
        }
        for t in info.tokens
    ]
    return {
        "user": info.name,
        "role": info.role,
        "disabled": info.disabled,
        "token_only": not info.has_password,
        "created_at": _when(info.created_at),
        "tokens": tokens,
    }


def list_users(db: str, as_json: bool) -> int:
    """Print every user with their role, state and API tokens (with last use)."""
    found = _run(db, users.list_users)
    if found is None:
        return 1
    now = auth.utcnow()
    for info in found:
        if as_json:
            _out(json.dumps(_user_json(info, now)))
            continue
        state = "disabled" if info.disabled else "enabled"
        kind = "token only" if not info.has_password else "password"
        _out(f"{info.name}  {info.role}  {state}  {kind}")
        for t in info.tokens:
            last = _when(t.last_used_at) or "never used"
            expires = _when(t.expires_at) or "no expiry"
            _out(f"  token {t.id}  {t.state(now)}  expires {expires}  last used {last}")
    return 0


def set_disabled(db: str, name: str, disabled: bool) -> int:
    """Disable a user (ends their sessions and revokes their tokens) or enable them again."""
    done = _run(db, lambda s: users.set_disabled(s, name, disabled).name)
    if done is None:
        return 1
    _out(f"user {done} {'disabled: sessions ended, tokens revoked' if disabled else 'enabled'}")
    return 0


def change_password(db: str, name: str, password: str) -> int:
    """Set a user's password (policy-checked); their sessions end."""
    done = _run(db, lambda s: users.change_password(s, name, password).name)
    if done is None:
        return 1
    _out(f"password of {done} changed; their sessions ended")
    return 0


def new_token(db: str, name: str, expires_in: str | None, as_json: bool) -> int:
    """Issue an API token (shown once), optionally expiring."""

    def issue(session: Session) -> tuple[str, int, datetime | None]:
        life = users.parse_duration(expires_in) if expires_in else None
        secret, row = users.new_api_token(session, name, life)
        assert row.id is not None
        return secret, row.id, row.expires_at

    issued = _run(db, issue)
    if issued is None:
        return 1
    secret, token_id, expires = issued
    if as_json:
        record = {"user": name, "token_id": token_id, "api_token": secret}
        _out(json.dumps({**record, "expires_at": _when(expires)}))
    else:
        _out(f"token {token_id} for {name} (expires {_when(expires) or 'never'}; shown once):")
        _out(secret)
    return 0


def revoke_token(db: str, name: str, token_id: int | None) -> int:
    """Revoke one API token of a user, or all of them."""
    count = _run(db, lambda s: users.revoke_tokens(s, name, token_id))
    if count is None:
        return 1
    _out(f"{count} token(s) of {name} revoked")
    return 0
