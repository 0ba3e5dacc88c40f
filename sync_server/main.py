"""The sync server application: `create_app` builds everything; the lifespan owns the engine."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
from fastapi import FastAPI, Request, Response
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.docs import mount_docs
from sync_server.errors import BodyLimitMiddleware, install_error_handlers
from sync_server.headers import SecurityHeaders
from sync_server.metrics import Metrics, ResponseCounter
from sync_server.openapi import install_openapi
from sync_server.services.auth import PasswordCost, server_secret
from sync_server.services.login_limiter import LoginLimits
from sync_server.settings import ServerSettings

_LOGGER = logging.getLogger(__name__)
VERSION = "0.1.0"


def create_app(settings: ServerSettings | None = None) -> FastAPI:
    """The FastAPI app for `settings` (read from the environment when None)."""
    settings = settings or ServerSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.upgrade_schema:
            await run_in_threadpool(upgrade_schema, settings.db)
        engine = make_engine(settings.db)
        app.state.engine = engine
        app.state.password_workers = anyio.CapacityLimiter(settings.password_workers)
        app.state.csrf_secret = await run_in_threadpool(_csrf_secret, engine)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Scan Station",
        version=VERSION,
        summary="Fixed-asset tracking: sync, lookup and registry API.",
        lifespan=lifespan,
        docs_url=None,  # served by mount_docs from local files, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.login_limits = login_limits(settings)
    app.state.password_cost = PasswordCost(
        time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
    )
    install_error_handlers(app)
    from sync_server.api.routes.imports import IMPORT_PATH, MAX_IMPORT_BYTES

    app.add_middleware(BodyLimitMiddleware, paths={IMPORT_PATH: MAX_IMPORT_BYTES})
    app.add_middleware(ResponseCounter, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders, https=settings.https)
    _add_routes(app)
    install_openapi(app)
    return app


def _csrf_secret(engine: Engine) -> str:
    with writer(engine).begin() as conn:
        return server_secret(conn, "login_csrf")


def login_limits(settings: ServerSettings) -> LoginLimits:
    """The sign-in limits `settings` ask for."""
    return LoginLimits(
        per_account_address=settings.login_max_failures,
        per_account=settings.login_max_failures_account,
        per_address=settings.login_max_failures_address,
        window=timedelta(seconds=settings.login_window_s),
    )


def _add_routes(app: FastAPI) -> None:
    from sync_server.api import routes

    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["ops"])
    app.add_api_route("/metrics", metrics, methods=["GET"], tags=["ops"])
    mount_docs(app)
    for router in routes.build_routers():
        app.include_router(router)

    if importlib.util.find_spec("sync_server.web") is not None:
        try:
            from sync_server.web import mount_web
        except ImportError:
            # The JSON API (and so every agent) keeps working when the UI cannot load.
            _LOGGER.exception("the web UI failed to load; serving the API only")
            return
        mount_web(app)


async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def metrics(request: Request) -> Response:
    """Prometheus exposition of this app's registry."""
    body = request.app.state.metrics.render()
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
