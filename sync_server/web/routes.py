"""HTML routes of the web UI; thin over the services in `sync_server.services`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from sync_server.web.render import render


def build_router() -> APIRouter:
    """The UI's routes (built per app, no module-level state)."""
    router = APIRouter(include_in_schema=False)
    router.add_api_route("/login", login_page, methods=["GET"], response_class=HTMLResponse)
    return router


async def login_page(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "auth/login.html", {"error": None, "name": ""})
