"""`scanstation import assets FILE.csv`: the command around `services.importer`, into a
database (`--db`) or through a running server's API (`--server URL --token TOKEN`). Either
way: a progress bar on stderr, all or nothing, and a summary of where each column went."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.services.importer import (
    AssetImportError,
    ImportSummary,
    RowError,
    apply_rows,
    check_csv,
)

_LOGGER = logging.getLogger(__name__)
IMPORT_PATH = "/api/v1/imports/assets"
_UPLOAD_CHUNK = 64 * 1024


@contextmanager
def _progress(what: str, total: int) -> Iterator[Callable[[int], None]]:
    # Not transient: where stderr is no terminal (a log, CI) the finished bar is the record.
    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)


def _import_db(db: str, data: bytes) -> ImportSummary:
    engine = make_engine(db)
    try:
        with Session(writer(engine)) as session:
            parsed = check_csv(session, data)
            with _progress("importing rows", len(parsed.rows)) as progress:
                summary = apply_rows(session, parsed, datetime.now(UTC), progress)
            session.commit()
    finally:
        engine.dispose()
    return summary


class _ServerError(Exception):
    """The server refused or could not be reached; the message says why."""


def _import_server(server: str, token: str, data: bytes) -> dict[str, Any]:
    import httpx

    def body(progress: Callable[[int], None]) -> Iterator[bytes]:
        for start in range(0, len(data), _UPLOAD_CHUNK):
            yield data[start : start + _UPLOAD_CHUNK]
            progress(min(len(data), start + _UPLOAD_CHUNK))

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    headers["Content-Length"] = str(len(data))
    try:
        with _progress("uploading bytes", len(data)) as progress:
            response = httpx.post(
                server.rstrip("/") + IMPORT_PATH,
                content=body(progress),
                headers=headers,
                timeout=httpx.Timeout(10.0, read=600.0),
            )
    except httpx.HTTPError as err:
        raise _ServerError(f"cannot reach {server}: {err}") from err
    try:
        answer = response.json()
    except ValueError:
        answer = {"detail": response.text[:500]}
    if response.status_code == 422 and isinstance(answer.get("detail"), list):
        rows = [RowError(int(e["line"]), str(e["error"])) for e in answer["detail"]]
        raise AssetImportError(rows)
    if response.status_code != 200:
        raise _ServerError(f"{server} answered {response.status_code}: {answer.get('detail')}")
    result: dict[str, Any] = answer
    return result


def _say(text: str, stream: TextIO) -> None:
    stream.write(text + "\n")


def _report_errors(file: Path, err: AssetImportError, as_json: bool) -> None:
    for error in err.errors:
        if as_json:
            line = {"file": str(file), "line": error.line, "error": error.reason}
            _say(json.dumps(line), sys.stdout)
        else:
            _say(f"{file}:{error}", sys.stderr)
    _say(f"{len(err.errors)} bad row(s); nothing was imported", sys.stderr)


def run_import(
    db: str, file: Path, as_json: bool, server: str | None = None, token: str | None = None
) -> int:
    """Import `file` into `db` (schema upgraded first) or, with `server`, through that server's
    API with an admin `token`; 0 on success, 1 with every bad row (nothing imported)."""
    try:
        data = file.read_bytes()
    except OSError as err:
        _say(f"cannot read {file}: {err.strerror or err}", sys.stderr)
        return 1
    try:
        if server is not None:
            if not token:
                _say("--server needs --token (an admin's API token)", sys.stderr)
                return 2
            result = _import_server(server, token, data)
        else:
            upgrade_schema(db)
            result = _import_db(db, data).to_json()
    except IntegrityError as err:
        # Another writer claimed a tag or code between our check and our commit.
        _LOGGER.info("import of %s conflicted: %s", file, err)
        _say(f"{file}: another change landed meanwhile; nothing was imported, retry", sys.stderr)
        return 1
    except AssetImportError as err:
        _report_errors(file, err, as_json)
        return 1
    except _ServerError as err:
        _say(f"{file}: {err}; nothing was imported", sys.stderr)
        return 1
    _LOGGER.info("imported %s: %d created, %d updated", file, result["created"], result["updated"])
    if as_json:
        _say(json.dumps(result), sys.stdout)
    else:
        for line in ImportSummary.lines_of(result):
            _say(line, sys.stdout)
    return 0
