"""`scanstation import assets FILE.csv`: the command around `services.importer`."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.services.importer import (
    AssetImportError,
    ImportSummary,
    apply_rows,
    check_csv,
)

_LOGGER = logging.getLogger(__name__)
PROGRESS_MIN_ROWS = 1000  # smaller files finish before a bar would be worth drawing


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    if total < PROGRESS_MIN_ROWS:
        yield None
        return
    console = Console(stderr=True)
    with Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), console=console, transient=True
    ) as bar:
        task = bar.add_task("rows", total=total)
        yield lambda done: bar.update(task, completed=done)


def _import(db: str, data: bytes) -> ImportSummary:
    engine = make_engine(db)
    try:
        with Session(writer(engine)) as session:
            rows = check_csv(session, data)
            with _progress(len(rows)) as progress:
                summary = apply_rows(session, rows, datetime.now(UTC), progress)
            session.commit()
    finally:
        engine.dispose()
    return summary


def _say(text: str, stream: TextIO) -> None:
    stream.write(text + "\n")


def run_import(db: str, file: Path, as_json: bool) -> int:
    """Import `file` into `db` (schema upgraded first); 0 on success, 1 with every bad row."""
    upgrade_schema(db)
    try:
        data = file.read_bytes()
    except OSError as err:
        _say(f"cannot read {file}: {err.strerror or err}", sys.stderr)
        return 1
    try:
        summary = _import(db, data)
    except IntegrityError as err:
        # Another writer claimed a tag or code between our check and our commit.
        _LOGGER.info("import of %s conflicted: %s", file, err)
        _say(f"{file}: another change landed meanwhile; nothing was imported, retry", sys.stderr)
        return 1
    except AssetImportError as err:
        for error in err.errors:
            if as_json:
                _say(
                    json.dumps({"file": str(file), "line": error.line, "error": error.reason}),
                    sys.stdout,
                )
            else:
                _say(f"{file}:{error}", sys.stderr)
        _say(f"{len(err.errors)} bad row(s); nothing was imported", sys.stderr)
        return 1
    _LOGGER.info("imported %s: %d created, %d updated", file, summary.created, summary.updated)
    if as_json:
        _say(json.dumps(summary.to_json()), sys.stdout)
    else:
        _say(f"{summary.created} created, {summary.updated} updated", sys.stdout)
    return 0
