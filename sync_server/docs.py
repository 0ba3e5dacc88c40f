"""`/docs` (Swagger UI) and `/redoc` served with no internet: the JavaScript and CSS come from
the `fastapi-offline` package (a copy from PyPI) at `/docs-static`, and the pages start them from
files, never inline script, so the Content-Security-Policy holds there too."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import escape

VENDOR_DIR = Path(fastapi_offline.__file__).parent / "static"
OWN_DIR = Path(__file__).parent / "docs_static"

_SWAGGER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · API docs</title>
<link rel="stylesheet" href="/docs-static/vendor/swagger-ui.css">
<link rel="icon" href="/docs-static/vendor/favicon.png"></head>
<body><div id="swagger-ui" data-openapi-url="{openapi}"></div>
<script src="/docs-static/vendor/swagger-ui-bundle.js"></script>
<script src="/docs-static/swagger-init.js"></script></body></html>"""

_REDOC = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} · API reference</title>
<link rel="icon" href="/docs-static/vendor/favicon.png"></head>
<body><redoc spec-url="{openapi}"></redoc>
<script src="/docs-static/vendor/redoc.standalone.js"></script></body></html>"""


def mount_docs(app: FastAPI) -> None:
    """Serve `/docs` and `/redoc` from local files (create the app with docs_url=None and
    redoc_url=None)."""
    title, openapi = escape(app.title), escape(app.openapi_url or "/openapi.json")
    swagger = _SWAGGER.format(title=title, openapi=openapi)
    redoc = _REDOC.format(title=title, openapi=openapi)

    async def docs() -> HTMLResponse:
        return HTMLResponse(swagger)

    async def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc)

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
    app.add_api_route("/redoc", redoc_page, methods=["GET"], include_in_schema=False)
    app.mount("/docs-static/vendor", StaticFiles(directory=VENDOR_DIR), name="docs-vendor")
    app.mount("/docs-static", StaticFiles(directory=OWN_DIR), name="docs-static")
