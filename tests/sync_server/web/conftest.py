"""Web UI fixtures: the seeded site and clients signed in as admin, auditor or viewer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import Session

from sync_server.services import auth
from tests.sync_server.conftest import Server
from tests.sync_server.web.client import sign_in
from tests.sync_server.web.seed import ADMIN, VIEWER, seed_site

AUDITOR = ("olga", "auditor-password-1")


@dataclass
class SignedIn:
    """A client with a live session and the CSRF token its forms must carry."""

    client: httpx.AsyncClient
    csrf: str
    server: Server


@pytest.fixture
async def seeded(server: Server) -> Server:
    """The app over the sample site (see seed.py), plus an auditor login."""
    seed_site(server.engine)
    with Session(server.engine) as s:
        auth.add_user(s, AUDITOR[0], role="auditor", password=AUDITOR[1])
        s.commit()
    return server


async def _as(server: Server, login: tuple[str, str]) -> AsyncIterator[SignedIn]:
    transport = httpx.ASGITransport(app=server.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield SignedIn(client, await sign_in(client, *login), server)


@pytest.fixture
async def as_admin(seeded: Server) -> SignedIn:
    """Signed in as the seeded admin."""
    return SignedIn(seeded.client, await sign_in(seeded.client, *ADMIN), seeded)


@pytest.fixture
async def as_viewer(seeded: Server) -> AsyncIterator[SignedIn]:
    """Signed in as the seeded viewer (read only), on a client of its own."""
    async for signed in _as(seeded, VIEWER):
        yield signed


@pytest.fixture
async def as_auditor(seeded: Server) -> AsyncIterator[SignedIn]:
    """Signed in as an auditor (runs audits, cannot change the register), own client."""
    async for signed in _as(seeded, AUDITOR):
        yield signed
