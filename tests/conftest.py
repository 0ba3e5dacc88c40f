"""Global guards: warnings are errors, bad log formats fail, and tests that need something
outside Python skip with a reason unless CI says that thing is required."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def required_resources() -> set[str]:
    """What `SCANSTATION_REQUIRE` (comma-separated: postgres, chromium, zbar, cc) says must
    exist."""
    return {r.strip() for r in os.environ.get("SCANSTATION_REQUIRE", "").split(",") if r.strip()}


def need(resource: str, available: bool, why: str) -> None:
    """Skip with `why` when `resource` is missing, or fail when CI requires it."""
    if available:
        return
    if resource in required_resources():
        pytest.fail(f"{resource} is required here (SCANSTATION_REQUIRE) but missing: {why}")
    pytest.skip(why)


class _FailOnBadFormatting(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            record.getMessage()
        except (TypeError, ValueError) as err:
            pytest.fail(f"bad log format {record.msg!r} % {record.args!r}: {err}")


@pytest.fixture(autouse=True)
def _log_format_guard() -> Iterator[None]:
    handler = _FailOnBadFormatting()
    root = logging.getLogger()
    root.addHandler(handler)
    yield
    root.removeHandler(handler)


@pytest.fixture(autouse=True)
def _fresh_caches_under_mutation_testing() -> None:
    # `make mutate` (mutmut) forks each mutant's test run from a process that has already run
    # the tests: a statement built once and cached would keep the unmutated code and hide its
    # mutants (the resolution guard lives inside such a statement).
    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    from sync_server.services import bulk, resolution

    for module in (bulk, resolution):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--soak", action="store_true", help="run long soak tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    skip = pytest.mark.skip(reason="soak run: pass --soak")
    hardware = pytest.mark.skip(reason="needs real serial hardware")
    for item in items:
        if "soak" in item.keywords:
            item.add_marker(skip)
        if "hardware" in item.keywords:
            item.add_marker(hardware)


@pytest.fixture(scope="session")
def powercut_shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The power-cut recorder (tests/powercut), built once per run with the C compiler."""
    need("cc", shutil.which("cc") is not None, "no C compiler (cc) to build the power-cut shim")
    from tests.powercut import compile_shim

    return compile_shim(tmp_path_factory.mktemp("powercut"))


PG_ENV = "SCANSTATION_TEST_PG"


@contextlib.contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the server named by `SCANSTATION_TEST_PG`, dropped
    afterwards; its SQLAlchemy URL is yielded. Each test run gets its own, so concurrent runs
    never share state."""
    base = os.environ.get(PG_ENV)
    need(
        "postgres",
        bool(base),
        f"{PG_ENV} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    )
    assert base is not None
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"scanstation_t_{uuid.uuid4().hex[:12]}"
    admin_dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        # Configured but unreachable is a failure, never a skip: the run asked for PostgreSQL.
        pytest.fail(f"{PG_ENV} names PostgreSQL at {url.host}:{url.port}, unreachable: {err}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once on SQLite (a file) and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        with fresh_pg_database() as url:
            yield url
