"""HTML routes of the web UI; thin over the services in `sync_server.services`."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from sync_server.web import audits, locations, movements, pages, read_points
from sync_server.web.signin import login, login_page, logout
from sync_server.web.users import build_users_router


def build_router() -> APIRouter:
    """The UI's routes (built per app, no module-level state)."""
    router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
    router.add_api_route("/", home, methods=["GET"])
    router.add_api_route("/login", login_page, methods=["GET"])
    router.add_api_route("/login", login, methods=["POST"])
    router.add_api_route("/logout", logout, methods=["POST"])
    pages.add_page_routes(router)
    for domain in (audits, locations, read_points, movements):
        router.include_router(domain.build_router())
    router.include_router(build_users_router())
    return router


def home() -> RedirectResponse:
    """The UI starts at the assets list."""
    return RedirectResponse("/assets", status_code=303)
