"""`POST /api/v1/sync/batches`: read the body with a cap, then one ingest transaction."""

from __future__ import annotations

import json
import logging
import time
import zlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from shared.wire import MAX_BODY_BYTES, BatchAck
from sync_server.api.deps import DeviceDep, get_engine, get_settings
from sync_server.db import writer
from sync_server.metrics import Metrics
from sync_server.services import InvalidInput, TooLarge
from sync_server.services.ingest import RetryBatch, SyncContext, ingest_batch, parse_batch

_LOGGER = logging.getLogger(__name__)
_TOO_LARGE = f"the request body is over {MAX_BODY_BYTES} bytes"


def build_router() -> APIRouter:
    """The sync route."""
    router = APIRouter(prefix="/api/v1/sync", tags=["sync"])
    router.add_api_route(
        "/batches",
        post_batch,
        methods=["POST"],
        response_model=BatchAck,
        summary="Upload a batch of events (contract 2.1)",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    return router


async def read_capped_body(request: Request, cap: int) -> bytes:
    """The raw body, refusing (413) as soon as it is known to exceed `cap` bytes."""
    length = request.headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > cap:
        raise TooLarge(_TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise TooLarge(_TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


def _gunzip(body: bytes, cap: int) -> bytes:
    inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header
    try:
        out = inflater.decompress(body, cap + 1)
    except zlib.error as err:
        raise InvalidInput(f"the body is not valid gzip: {err}") from err
    if len(out) > cap or inflater.unconsumed_tail:
        raise TooLarge(_TOO_LARGE)
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def decode_json(body: bytes) -> Any:
    """Parse a JSON body (400 when it is not JSON, including NaN and Infinity)."""
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as err:
        raise InvalidInput(f"the body is not valid JSON: {err}") from err


def _ingest(engine: Engine, payload: Any, ctx: SyncContext) -> BatchAck:
    batch = parse_batch(payload)
    for attempt in (1, 2):
        try:
            with Session(writer(engine)) as session:
                ack = ingest_batch(session, batch, ctx)
                session.commit()
                return ack
        except (IntegrityError, OperationalError, RetryBatch) as err:
            # A concurrent request for the same stream or batch won a race; the second try
            # sees its rows and answers like a replay.
            if attempt == 2:
                raise
            _LOGGER.info("retrying batch %s after %s", batch.batch_id, type(err).__name__)
    raise AssertionError("unreachable")


def _handle(engine: Engine, body: bytes, encoding: str, ctx: SyncContext) -> BatchAck:
    if encoding.strip().lower() in ("gzip", "deflate"):
        body = _gunzip(body, MAX_BODY_BYTES)
    return _ingest(engine, decode_json(body), ctx)


async def post_batch(request: Request, device_id: DeviceDep) -> BatchAck:
    """Store a batch of events: idempotent on (stream_id, seq); see contract 2.1."""
    receipt = datetime.now(UTC)
    started = time.perf_counter_ns()
    body = await read_capped_body(request, MAX_BODY_BYTES)
    settings = get_settings(request)
    ctx = SyncContext(
        device_id=device_id,
        receipt=receipt,
        error_ns=time.perf_counter_ns() - started,
        tolerance_ns=int(settings.clock_tolerance_s * 1e9),
    )
    encoding = request.headers.get("content-encoding", "")
    ack = await run_in_threadpool(_handle, get_engine(request), body, encoding, ctx)
    metrics: Metrics = request.app.state.metrics
    metrics.record_ack(ack, (time.perf_counter_ns() - started) / 1e9)
    return ack
