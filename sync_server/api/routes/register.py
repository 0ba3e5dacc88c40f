"""Locations, people and read points (contract 2.2 table), each identified by its code."""

from __future__ import annotations

from fastapi import APIRouter

from sync_server.api.deps import AdminDep, SessionDep, ViewerDep
from sync_server.services import registry
from sync_server.services.registry import (
    LocationIn,
    LocationOut,
    LocationPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    ReadPointIn,
    ReadPointOut,
    ReadPointPatch,
)


def build_router() -> APIRouter:
    """Routes for the register's places and people."""
    r = APIRouter(prefix="/api/v1", tags=["register"])
    for path, lister, creator, getter, patcher, out in (
        ("/locations", list_locations, create_location, get_location, patch_location, LocationOut),
        ("/people", list_people, create_person, get_person, patch_person, PersonOut),
        ("/read-points", list_points, create_point, get_point, patch_point, ReadPointOut),
    ):
        r.add_api_route(path, lister, methods=["GET"], response_model=list[out])  # type: ignore[valid-type]
        r.add_api_route(path, creator, methods=["POST"], response_model=out, status_code=201)
        r.add_api_route(path + "/{code:path}", getter, methods=["GET"], response_model=out)
        r.add_api_route(path + "/{code:path}", patcher, methods=["PATCH"], response_model=out)
    return r


def list_locations(session: SessionDep, _user: ViewerDep) -> list[LocationOut]:
    """Every location; `parent` gives the tree."""
    return registry.list_locations(session)


def create_location(body: LocationIn, session: SessionDep, _user: AdminDep) -> LocationOut:
    """Create a location (its parent must exist)."""
    return registry.location_out(session, registry.create_location(session, body))


def get_location(code: str, session: SessionDep, _user: ViewerDep) -> LocationOut:
    """One location."""
    return registry.location_out(session, registry.get_location(session, code))


def patch_location(
    code: str, body: LocationPatch, session: SessionDep, _user: AdminDep
) -> LocationOut:
    """Rename or move a location."""
    return registry.location_out(session, registry.update_location(session, code, body))


def list_people(session: SessionDep, _user: ViewerDep) -> list[PersonOut]:
    """Every person."""
    return registry.list_people(session)


def create_person(body: PersonIn, session: SessionDep, _user: AdminDep) -> PersonOut:
    """Create a person."""
    return registry.person_out(registry.create_person(session, body))


def get_person(code: str, session: SessionDep, _user: ViewerDep) -> PersonOut:
    """One person."""
    return registry.person_out(registry.get_person(session, code))


def patch_person(code: str, body: PersonPatch, session: SessionDep, _user: AdminDep) -> PersonOut:
    """Change a person."""
    return registry.person_out(registry.update_person(session, code, body))


def list_points(session: SessionDep, _user: ViewerDep) -> list[ReadPointOut]:
    """Every read point."""
    return registry.list_read_points(session)


def create_point(body: ReadPointIn, session: SessionDep, _user: AdminDep) -> ReadPointOut:
    """Create a read point (its locations must exist)."""
    return registry.read_point_out(session, registry.create_read_point(session, body))


def get_point(code: str, session: SessionDep, _user: ViewerDep) -> ReadPointOut:
    """One read point."""
    return registry.read_point_out(session, registry.get_read_point(session, code))


def patch_point(
    code: str, body: ReadPointPatch, session: SessionDep, _user: AdminDep
) -> ReadPointOut:
    """Change a read point."""
    return registry.read_point_out(session, registry.update_read_point(session, code, body))
