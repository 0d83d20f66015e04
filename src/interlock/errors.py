"""One exception hierarchy for the whole system.

The core raises these; the API maps each class to an HTTP status and a JSON body
``{"error": code, "detail": text}``; the CLI prints the detail and exits non-zero.
"""

from __future__ import annotations


class InterlockError(Exception):
    """Base of every error interlock raises on purpose."""

    code = "error"
    http_status = 400

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        self.detail = f"{field}: {detail}" if field else detail
        self.field = field
        super().__init__(self.detail)


class InvalidInput(InterlockError):
    """Input that can never be accepted as sent (bad JSON, geometry, units, times)."""

    code = "invalid_input"
    http_status = 422


class RuleViolation(InterlockError):
    """Well-formed input that breaks an agreement rule (limits, a refused late notice)."""

    code = "rule_violation"
    http_status = 422


class NotFound(InterlockError):
    code = "not_found"
    http_status = 404


class Unauthorized(InterlockError):
    code = "unauthorized"
    http_status = 401


class Forbidden(InterlockError):
    code = "forbidden"
    http_status = 403


class StateConflict(InterlockError):
    """Valid request the object's state forbids (e.g. amending a cancelled notice)."""

    code = "state_conflict"
    http_status = 409


class PayloadTooLarge(InterlockError):
    code = "payload_too_large"
    http_status = 413


class StoreUnavailable(InterlockError):
    """The database could not be reached or lost the connection mid-request (a restart, a
    failover): nothing was committed unless the answer was lost, so retry the same request
    (a signed envelope's nonce makes the retry safe)."""

    code = "store_unavailable"
    http_status = 503
