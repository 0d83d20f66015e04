"""Notices as the service serves them, for the format tests."""

from __future__ import annotations

from typing import Any

from interlock.model.notice import parse_notice


def notice(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    """An air notice as the service serves it (id, version, status, times)."""
    base = {
        "domain": "air",
        "alt_lower_ft": 0.0,
        "alt_upper_ft": 12_500.0,
        "start": "2026-12-07T10:00:00Z",
        "end": "2026-12-07T14:00:00Z",
        "id": "n-0123456789abcdef",
        "party": "blue",
        "version": 1,
        "status": "submitted",
        "created_at": "2026-12-06T09:00:00Z",
        "cancelled_at": None,
    }
    feature = {"type": "Feature", "geometry": geometry, "properties": {**base, **props}}
    draft = parse_notice(feature)  # valid as filed; the stored form has its shape keys
    feature["properties"].update(draft.area.dimension_properties())
    return feature
