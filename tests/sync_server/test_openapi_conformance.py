"""schemathesis against the running server's OpenAPI with admin, viewer and device tokens:
no 5xx, and every answer's status, content type, headers and body as documented. A bounded
run of its `st run` command (fixed seed, two examples per operation); more examples is the
long form.

Not checked here: `positive_data_acceptance` (a schema-valid body that breaks a rule across
fields, such as "exactly one of every_days, every_units, every_sightings", is refused with 422;
those rules are not expressible in the JSON schema of several register, audit and maintenance
bodies)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sync_server.test_commands import _invoke
from tests.sync_server.test_commands_serve import _start, _stop

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]


def _token(*args: str) -> str:
    code, out, err = _invoke(*args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return str(data.get("api_token") or data["token"])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A real server on SQLite and a token of each kind."""
    db = f"sqlite:///{Path(tmp_path_factory.mktemp('st')) / 's.db'}"
    tokens = {
        role: _token("user", "add", role, "--role", role, "--token-only", "--db", db, "--json")
        for role in ("admin", "viewer")
    }
    tokens["device"] = _token("device", "enroll", "st-device", "--db", db, "--json")
    proc, url = _start(db)
    try:
        yield url, tokens
    finally:
        _stop(proc)


def _schemathesis(url: str, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    st = Path(sys.executable).parent / "st"
    args = [str(st), "run", f"{url}/openapi.json", "-H", f"Authorization: Bearer {token}",
            "--checks", ",".join(CHECKS), "--phases", "examples,fuzzing", "--seed", "1",
            "--max-examples", "2", "--generation-deterministic", "--no-color"]  # fmt: skip
    # Its cache lands in the working directory: keep it out of the repository.
    return subprocess.run(
        args, capture_output=True, text=True, timeout=300, check=False, cwd=workdir
    )


@pytest.mark.parametrize("role", ["admin", "viewer", "device"])
def test_openapi_conformance(live: tuple[str, dict[str, str]], role: str, tmp_path: Path) -> None:
    url, tokens = live
    result = _schemathesis(url, tokens[role], tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
