"""Every oversized body is 413 with a JSON detail, never 400: declared, streamed, or a single
form field or multipart part over the form parser's cap."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tests.sync_server.conftest import Server


async def test_an_oversized_form_field_or_part_is_413(server: Server) -> None:
    big = "x" * 2_000_000
    r = await server.client.post("/login", data={"name": big, "password": "y"})
    assert r.status_code == 413
    r = await server.client.post("/login", files={"name": (None, big), "password": (None, "y")})
    assert r.status_code == 413 and "maximum size" in r.json()["detail"]


async def test_an_oversized_streamed_body_is_413(server: Server) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(300):
            yield b"a=" + b"x" * 65536

    headers = {"content-type": "application/x-www-form-urlencoded"}
    r = await server.client.post("/login", content=chunks(), headers=headers)
    assert r.status_code == 413
    r = await server.client.post("/api/v1/assets", content=b"x" * 17_000_000)
    assert r.status_code == 413
