"""`scanstation user list|disable|enable|passwd|token new|token revoke` and `add --token-only`,
through `scanner.cli.app` against a real database and the real app."""

from __future__ import annotations

import json

import httpx
from sqlmodel import Session

from sync_server.db import make_engine
from sync_server.main import create_app
from sync_server.services import auth
from sync_server.settings import ServerSettings
from tests.sync_server.conftest import bearer
from tests.sync_server.test_commands import _invoke

GOOD = "a-long-enough-password"


def _add(db_url: str, name: str, *flags: str, stdin: str | None = None) -> tuple[int, str, str]:
    return _invoke("user", "add", name, "--role", "viewer", *flags, "--db", db_url, "--json",
                   stdin=stdin)  # fmt: skip


def _signs_in(db_url: str, name: str, password: str) -> bool:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            return auth.authenticate_user(s, name, password) is not None
    finally:
        engine.dispose()


def test_user_add_refuses_weak_passwords_and_makes_token_only_users_explicit(db_url) -> None:
    code, out, err = _add(db_url, "ada", "--password-stdin", stdin="short\n")
    assert code == 1 and out == "" and "12 characters" in err
    code, out, err = _add(db_url, "ada", "--password-stdin", stdin="password1234\n")
    assert code == 1 and "common" in err
    code, out, _ = _add(db_url, "robot", "--token-only")
    assert code == 0 and json.loads(out)["token_only"] is True
    code, _, err = _add(db_url, "x", "--token-only", "--password-stdin", stdin=GOOD + "\n")
    assert code != 0 and "not both" in err
    code, out, err = _add(db_url, "legacy")  # no flag: still works, but says what it did
    assert code == 0 and json.loads(out)["token_only"] is True and "token only" in err


def test_user_passwd_disable_enable_and_list(db_url) -> None:
    assert _add(db_url, "ada", "--password-stdin", stdin=GOOD + "\n")[0] == 0
    code, _, err = _invoke("user", "passwd", "ada", "--password-stdin", "--db", db_url,
                           stdin="qwerty123456\n")  # fmt: skip
    assert code == 1 and "common" in err
    new = "another-long-password"
    args = ("user", "passwd", "ada", "--password-stdin", "--db", db_url)
    assert _invoke(*args, stdin=new + "\n")[0] == 0
    assert _signs_in(db_url, "ada", new) and not _signs_in(db_url, "ada", GOOD)
    assert _invoke("user", "disable", "ada", "--db", db_url)[0] == 0
    assert not _signs_in(db_url, "ada", new)
    code, out, _ = _invoke("user", "list", "--db", db_url, "--json")
    (listed,) = [json.loads(line) for line in out.splitlines()]
    assert listed["user"] == "ada" and listed["disabled"] is True
    assert listed["tokens"][0]["state"] == "revoked"
    assert _invoke("user", "enable", "ada", "--db", db_url)[0] == 0
    assert _signs_in(db_url, "ada", new)
    code, _, err = _invoke("user", "disable", "ghost", "--db", db_url)
    assert code == 1 and "ghost" in err


async def test_user_tokens_new_with_expiry_revoke_and_last_use(db_url) -> None:
    assert _add(db_url, "ada", "--token-only")[0] == 0
    code, out, _ = _invoke("user", "token", "new", "ada", "--expires-in", "30d", "--db", db_url,
                           "--json")  # fmt: skip
    issued = json.loads(out)
    assert code == 0 and issued["expires_at"] is not None and issued["token_id"] > 0
    code, _, err = _invoke("user", "token", "new", "ada", "--expires-in", "soon", "--db", db_url)
    assert code == 1 and "duration" in err
    app = create_app(ServerSettings(db=db_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = bearer(issued["api_token"])
            assert (await client.get("/api/v1/assets", headers=headers)).status_code == 200
            _, out, _ = _invoke("user", "list", "--db", db_url, "--json")
            tokens = {t["id"]: t for t in json.loads(out)["tokens"]}
            assert tokens[issued["token_id"]]["last_used_at"] is not None
            args = ("user", "token", "revoke", "ada", "--id", str(issued["token_id"]))
            assert _invoke(*args, "--db", db_url)[0] == 0
            r = await client.get("/api/v1/assets", headers=headers)
            assert r.status_code == 401
