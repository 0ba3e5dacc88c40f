"""Every error is JSON `{"detail": ...}` with the right status; bad input never yields a 5xx."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sync_server.services import (
    Busy,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceError,
    TooLarge,
    Unauthorized,
)

_LOGGER = logging.getLogger(__name__)
MAX_REQUEST_BYTES = 16 * 1024 * 1024
_STATUS: dict[type[ServiceError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Unauthorized: 401,
    TooLarge: 413,
    Busy: 503,
}


class RateLimited(ServiceError):
    """Too many attempts; `retry_after` seconds to wait (HTTP 429)."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _json(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, RateLimited):
        wait = str(max(1, int(exc.retry_after + 0.999)))
        return _json(429, str(exc), {"Retry-After": wait})
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if status == 503:
        headers = {"Retry-After": "1"}
    # An error may carry a structured detail (an import's bad rows, each with its line).
    return _json(status, getattr(exc, "detail", None) or str(exc), headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")), "type": e.get("type")}
        for e in exc.errors()[:20]
    ]
    return _json(422, errors)


async def _integrity_error(_request: Request, exc: Exception) -> JSONResponse:
    _LOGGER.info("integrity error answered as 409: %s", exc)
    return _json(409, "this conflicts with stored data (a duplicate code or a missing reference)")


async def _statement_error(_request: Request, exc: Exception) -> JSONResponse:
    _LOGGER.info("database refused a value, answered as 422: %s", exc)
    return _json(422, "a value is out of range or too long for the database")


async def _operational_error(_request: Request, exc: Exception) -> JSONResponse:
    _LOGGER.warning("database unavailable: %s", exc)
    return _json(503, "the database is busy or unavailable; retry", {"Retry-After": "1"})


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    _LOGGER.error("unhandled error", exc_info=exc)
    return _json(500, "internal server error")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and "maximum size" in str(exc.detail):
        # Starlette's form parser caps each field and part (1 MiB): that is "too large".
        return _json(413, str(exc.detail))
    return await http_exception_handler(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on `app`."""
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(OperationalError, _operational_error)
    app.add_exception_handler(PoolTimeout, _operational_error)
    app.add_exception_handler(StatementError, _statement_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyLimitMiddleware:
    """Refuses (413) any request body over `limit` bytes, declared or streamed."""

    def __init__(
        self, app: ASGIApp, limit: int = MAX_REQUEST_BYTES, paths: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = limit
        self.paths = paths or {}  # a larger limit for these paths (a whole register's CSV)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope.get("path", ""), self.default)
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                response = _json(413, f"the request body is over {limit} bytes")
                await response(scope, receive, send)
                return
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge(f"the request body is over {limit} bytes")
            return message

        await self.app(scope, capped, send)
