"""Signing in to the UI from a test client and reading a page's CSRF token."""

from __future__ import annotations

import re

import httpx

HX = {"HX-Request": "true"}


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on the page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, name: str, password: str) -> str:
    """Sign `client` in as `name`; returns the session's CSRF token."""
    page = await client.get("/login")
    data = {"name": name, "password": password, "csrf_token": csrf_of(page.text)}
    r = await client.post("/login", data=data)
    assert r.status_code == 303, r.text
    return csrf_of((await client.get("/devices")).text)


def assert_full_and_partial(full: httpx.Response, partial: httpx.Response) -> None:
    """`full` is a whole page and `partial` only a fragment, both 200."""
    assert full.status_code == partial.status_code == 200, (full.text, partial.text)
    assert "<html" in full.text and "</html>" in full.text
    assert "<html" not in partial.text and "<header" not in partial.text
