"""Route modules of the JSON API, one per area."""

from __future__ import annotations

from fastapi import APIRouter


def build_routers() -> list[APIRouter]:
    """Every API router, built fresh for one app."""
    from sync_server.api.routes import (
        assets,
        audits,
        epcis,
        imports,
        labels,
        maintenance,
        money,
        movements,
        register,
        review,
        sync,
    )

    return [
        sync.build_router(),
        money.build_router(),  # before assets: /assets/{tag:path} would take /depreciation
        labels.build_router(),
        maintenance.build_router(),  # before assets, like money
        assets.build_router(),
        audits.build_router(),  # before register: /locations/{code}/expected
        epcis.build_router(),  # before register: /read-points/{code}/epcis-steps
        register.build_router(),
        review.build_router(),
        movements.build_router(),
        imports.build_router(),
    ]
