"""A small Python client of the interlock API that signs what its party says.

    from interlock.client import Client
    c = Client.from_key_file("http://127.0.0.1:8000", token, "blue", "blue.key")
    m = c.send(["red"], "Strike package inbound", priority="flash")
    for event in c.events():          # the push stream; delivery receipts sent for you
        ...
    c.ack(message_id, reply="Understood")

Every notice, message and receipt goes out as an Ed25519-signed envelope, so the record
proves what this party said; errors come back as the server's InterlockError (same
class, same detail) so callers handle them like the core's.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .errors import (
    Forbidden,
    InterlockError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    StateConflict,
    Unauthorized,
)
from .ledger.commitments import SALT_BYTES
from .ledger.envelope import sign
from .ledger.keys import read_private
from .ledger.statements import NEW, sealed_notice
from .model.agreement import OPTIONAL_FIELDS
from .service.clock import Clock, utc_now

_BY_STATUS: dict[int, type[InterlockError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: StateConflict,
    413: PayloadTooLarge,
    422: InvalidInput,
}


RECEIPT_THREADS = 4
log = logging.getLogger("interlock.client")


class ServerError(InterlockError):
    """The server failed (5xx) or answered something that is not interlock JSON."""

    code = "server_error"
    http_status = 502


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text[:500]
    cls = _BY_STATUS.get(response.status_code, ServerError)
    raise cls(f"{detail}" if cls is not ServerError else f"HTTP {response.status_code}: {detail}")


def parse_sse(lines: Iterable[str]) -> Iterator[tuple[str | None, str, str]]:
    """(id, event, data) for each Server-Sent Event in a stream of lines."""
    event_id: str | None = None
    event = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield event_id, event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "id":
            event_id = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)


class Client:
    """One party's connection to an interlock server."""

    def __init__(
        self,
        url: str,
        token: str,
        party: str,
        key: Ed25519PrivateKey | None = None,
        *,
        clock: Clock = utc_now,
        timeout: float = 10.0,
    ) -> None:
        self.party = party
        self.key = key
        self.clock = clock
        self.http = httpx.Client(
            base_url=url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
        )
        self.last_seq = 0  # the last stream event seen: where a reconnect resumes
        # Delivery receipts go out from a few background threads, so reading the stream
        # never waits for a round trip and the server commits the receipts in batches.
        self._receipts: ThreadPoolExecutor | None = None
        self._hidden: frozenset[str] | None = None  # the fields others may not see

    @classmethod
    def from_key_file(cls, url: str, token: str, party: str, key_file: Path | str) -> Client:
        return cls(url, token, party, read_private(Path(key_file)))

    def close(self) -> None:
        self.flush_receipts()
        self.http.close()

    def flush_receipts(self) -> None:
        """Wait until every delivery receipt the stream queued has been answered."""
        if self._receipts is not None:
            self._receipts.shutdown(wait=True)
            self._receipts = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ---- plumbing ---------------------------------------------------------------------
    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        _raise_for(response)
        return response.json()

    def sign(self, kind: str, body: Any) -> dict[str, Any]:
        if self.key is None:
            raise InvalidInput(f"a private key is needed to sign a {kind}", field="key")
        return sign(kind, self.party, body, self.key, self.clock())

    # ---- notices ----------------------------------------------------------------------
    def hidden_fields(self) -> frozenset[str]:
        """The notice fields the agreement lets a party keep from the others (committed,
        not shown, in what this party signs); read once from GET /agreement."""
        if self._hidden is None:
            others_see = self.call("GET", "/agreement")["visibility"]["others_see"]
            self._hidden = frozenset(OPTIONAL_FIELDS) - frozenset(others_see)
        return self._hidden

    def signed_notice(
        self, feature: dict[str, Any], notice_id: str | None = NEW, version: int = 1
    ) -> dict[str, Any]:
        """What to send for a signed notice: the envelope over the feature with its hidden
        fields committed (`ledger.commitments`), saying whether it files a new notice or
        makes version `version` of `notice_id`, and beside it the fields' openings."""
        fields = self.hidden_fields()
        salts = {f: secrets.token_bytes(SALT_BYTES) for f in fields}
        body, openings = sealed_notice(feature, fields, salts, notice_id, version)
        envelope = self.sign("notice", body)
        return {**envelope, "openings": openings} if openings else envelope

    def submit_notice(self, feature: dict[str, Any], *, signed: bool = True) -> Any:
        body = self.signed_notice(feature) if signed else feature
        return self.call("POST", "/notices", json=body)

    def amend_notice(
        self,
        notice_id: str,
        feature: dict[str, Any],
        *,
        signed: bool = True,
        version: int | None = None,
    ) -> Any:
        """A new version of `notice_id`; signed, the envelope names the version it makes
        (`version`; default: the one after the notice's current version, read first)."""
        body: Any = feature
        if signed:
            if version is None:
                current = self.call("GET", f"/notices/{notice_id}")
                version = int(current["properties"]["version"]) + 1
            body = self.signed_notice(feature, notice_id, version)
        return self.call("PUT", f"/notices/{notice_id}", json=body)

    # ---- hotline ----------------------------------------------------------------------
    def send(
        self,
        to: str | Iterable[str],
        subject: str,
        body: str = "",
        *,
        priority: str = "routine",
        refs: Iterable[dict[str, str]] = (),
        payload: dict[str, Any] | None = None,
    ) -> Any:
        """Send a signed message; returns it as recorded (id, deadline, recipients)."""
        content: dict[str, Any] = {
            "to": [to] if isinstance(to, str) else list(to),
            "priority": priority,
            "subject": subject,
            "body": body,
            "refs": list(refs),
        }
        if payload is not None:
            content["payload"] = payload
        return self.call("POST", "/messages", json=self.sign("message", content))

    def receipt(self, message_id: str, status: str, reply: str | None = None) -> Any:
        content: dict[str, Any] = {"message": message_id, "status": status}
        if reply is not None:
            content["reply"] = reply
        return self.call(
            "POST", f"/messages/{message_id}/receipts", json=self.sign("receipt", content)
        )

    def deliver(self, message_id: str) -> Any:
        """Report delivery (what the stream does for you on each message addressed here)."""
        return self.receipt(message_id, "delivered")

    def ack(self, message_id: str, reply: str | None = None) -> Any:
        """Acknowledge a message: a person's act, optionally with a reply."""
        return self.receipt(message_id, "acknowledged", reply)

    def heartbeat(self) -> Any:
        return self.call("POST", "/hotline/heartbeat")

    def messages(self, box: str = "all", *, pending: bool = False, limit: int = 200) -> Any:
        params = {"box": box, "pending": str(pending).lower(), "limit": limit}
        return self.call("GET", "/messages", params=params)

    def message(self, message_id: str) -> Any:
        return self.call("GET", f"/messages/{message_id}")

    def status(self) -> Any:
        return self.call("GET", "/hotline/status")

    # ---- the push stream --------------------------------------------------------------
    def events(
        self,
        after: int | None = None,
        *,
        auto_deliver: bool = True,
        reconnect: bool = True,
        stop: Callable[[], bool] = lambda: False,
        retry_s: float = 1.0,
    ) -> Iterator[dict[str, Any]]:
        """Ledger entries addressed to this party, forever, resuming after each drop.

        A message to this party is reported delivered (a signed receipt, sent in the
        background as it is yielded); `stop()` is checked between events (and keep-alives)."""
        if after is not None:
            self.last_seq = after
        while not stop():
            try:
                yield from self._stream_once(auto_deliver, stop)
            except (httpx.TransportError, httpx.RemoteProtocolError):
                if not reconnect:
                    raise
            if not reconnect:
                return
            if not stop():
                time.sleep(retry_s)

    def _stream_once(
        self, auto_deliver: bool, stop: Callable[[], bool]
    ) -> Iterator[dict[str, Any]]:
        headers = {"Last-Event-ID": str(self.last_seq), "Accept": "text/event-stream"}
        timeout = httpx.Timeout(self.http.timeout.connect, read=60.0)
        with self.http.stream("GET", "/stream", headers=headers, timeout=timeout) as response:
            if response.status_code >= 400:
                response.read()
                _raise_for(response)
            for event_id, _, data in parse_sse(self._lines(response, stop)):
                entry = orjson.loads(data)
                if auto_deliver:
                    self._auto_deliver(entry)
                if event_id is not None:
                    self.last_seq = int(event_id)
                yield entry
                if stop():
                    return

    @staticmethod
    def _lines(response: httpx.Response, stop: Callable[[], bool]) -> Iterator[str]:
        for line in response.iter_lines():
            yield line
            if stop() and line == "":
                return

    def _auto_deliver(self, entry: dict[str, Any]) -> None:
        event = entry.get("event", {})
        if event.get("type") != "message" or self.key is None:
            return
        to = event.get("to") or (event.get("envelope") or {}).get("body", {}).get("to", [])
        if self.party in to:
            if self._receipts is None:
                self._receipts = ThreadPoolExecutor(RECEIPT_THREADS, "interlock-receipts")
            self._receipts.submit(self._deliver_quietly, event["id"])

    def _deliver_quietly(self, message_id: str) -> None:
        try:
            self.deliver(message_id)
        except StateConflict:
            pass  # delivered before a reconnect: already on record
        except (InterlockError, httpx.HTTPError):  # the sender sees it stays undelivered
            log.warning("delivery receipt for %s failed", message_id, exc_info=True)
