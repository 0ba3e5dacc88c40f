"""The server-rendered web UI: sign in, assets, unknown codes, devices."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from sync_server.web.render import is_partial_request, render
from sync_server.web.routes import build_router
from sync_server.web.security import SignInRequired, WebError, login_url

STATIC_DIR = Path(__file__).parent / "static"
_TITLES = {403: "Not allowed", 404: "Not found", 429: "Too many attempts"}


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = login_url(exc.next_url)
    if is_partial_request(request):
        # A fragment request cannot follow a redirect into a full page; tell the script.
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _web_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WebError)
    title = _TITLES.get(exc.status, "Something is wrong")
    ctx = {"title": title, "message": exc.message}
    return render(request, "error.html", ctx, status_code=exc.status, headers=exc.headers)


def mount_web(app: FastAPI) -> None:
    """Add the UI's pages, its error pages and its `/static` files to `app`."""
    app.include_router(build_router())
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(WebError, _web_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["mount_web"]
