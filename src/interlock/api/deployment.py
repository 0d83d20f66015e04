"""The app of a deployment named by the environment, for `interlock serve --workers N`:
each uvicorn worker process imports this and builds its own service, store connections
and commit listener (nothing is shared between processes but the database)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from fastapi import FastAPI

from ..errors import InvalidInput
from ..model.server_limits import ServerLimits, server_limits_from_dict

DIR_VAR = "INTERLOCK_DIR"
AGREEMENT_FILE = "agreement.toml"


def read_server_limits(directory: Path) -> ServerLimits:
    """The `[server]` table of a deployment's agreement.toml (the defaults if absent)."""
    path = directory / AGREEMENT_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"not valid TOML: {exc}", field=str(path)) from None
    except OSError as exc:
        raise InvalidInput(f"cannot read agreement: {exc.strerror}", field=str(path)) from None
    return server_limits_from_dict(data)


def app_from_env() -> FastAPI:
    from ..service.bootstrap import open_services
    from .app import create_app

    directory = os.environ.get(DIR_VAR)
    if not directory:
        raise RuntimeError(f"{DIR_VAR} is not set: start workers with `interlock serve`")
    limits = read_server_limits(Path(directory))
    return create_app(open_services(Path(directory)), limits=limits, shared_picture=True)
