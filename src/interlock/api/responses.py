"""JSON responses serialised with orjson (fast; refuses NaN rather than emitting it)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSONBytes(JSONResponse):
    """A JSONResponse (so the OpenAPI document states each route's response schema, not
    "string") that renders with orjson."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
