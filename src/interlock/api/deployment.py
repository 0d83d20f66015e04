"""The app of a deployment named by the environment, for `interlock serve --workers N`:
each uvicorn worker process imports this and builds its own service, store connections
and commit listener (nothing is shared between processes but the database)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

DIR_VAR = "INTERLOCK_DIR"


def app_from_env() -> FastAPI:
    from ..service.bootstrap import open_services
    from .app import create_app

    directory = os.environ.get(DIR_VAR)
    if not directory:
        raise RuntimeError(f"{DIR_VAR} is not set: start workers with `interlock serve`")
    return create_app(open_services(Path(directory)))
