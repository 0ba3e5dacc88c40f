"""Global guards: warnings are errors, bad log formats fail, and tests that need something
outside Python skip with a reason unless CI says that thing is required."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def required_resources() -> set[str]:
    """What `SCANSTATION_REQUIRE` (comma-separated: postgres, chromium, zbar) says must exist."""
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
