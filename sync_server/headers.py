"""Security headers on every response (ASGI middleware, so error pages, static files and the
docs get them too): a Content-Security-Policy that allows no inline script and no framing,
nosniff, a Referrer-Policy, `Cache-Control: no-store` on everything but static files (pages and
API answers may carry signed-in data), and HSTS when the site is served over HTTPS."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Inline *styles* stay allowed: ReDoc and Swagger UI set them, and a style cannot run code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"
CACHEABLE_PREFIXES = ("/static/", "/docs-static/")


class SecurityHeaders:
    """Adds the headers above; `https` says the site is served over HTTPS (HSTS is also sent
    on any request that arrived as https)."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        secure = self.https or scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if not path.startswith(CACHEABLE_PREFIXES):
                    headers["Cache-Control"] = "no-store"
                if secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)
