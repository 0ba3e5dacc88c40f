"""`scanstation labels`: asset labels (PDF or ZPL) written to a file, around
`services.labels`."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from sync_server.db import make_engine, upgrade_schema, writer
from sync_server.services import ServiceError
from sync_server.services.labels import LabelsIn, render_labels


def run_labels(
    db: str, options: Mapping[str, object], output: Path, company_prefix: str | None, as_json: bool
) -> int:
    """Write the labels `options` (the fields of `LabelsIn`) describe to `output`; 0 on
    success, 1 with the reason on stderr otherwise. Nothing is written on an error."""
    try:
        data = LabelsIn.model_validate(options)
        upgrade_schema(db)
        engine = make_engine(db)
        try:
            with Session(writer(engine)) as session:
                body, _media, count = render_labels(session, data, company_prefix)
                output.write_bytes(body)
                session.commit()  # identifiers allocated for the labels are kept with them
        finally:
            engine.dispose()
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        sys.stderr.write(f"error: {where}: {first['msg']}\n")
        return 1
    except (ServiceError, SQLAlchemyError, OSError) as err:
        sys.stderr.write(f"error: {err}\n")
        return 1
    line = {"file": str(output), "labels": count, "format": data.format}
    sys.stdout.write(
        (json.dumps(line) if as_json else f"{count} labels written to {output}") + "\n"
    )
    return 0
