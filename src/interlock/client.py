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

Given a witness state (``Client(..., state=DIR)``), receipts are bound to the log: before
signing one, the client makes sure the checkpoint it last verified holds the message's
entry (else it witnesses the server's latest: one round trip covers every receipt of the
entries up to its size), checks the entry's inclusion proof against it, and signs that
checkpoint into the receipt.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import math
import secrets
import socket
import threading
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
from .ledger import merkle
from .ledger.commitments import SALT_BYTES
from .ledger.envelope import sign
from .ledger.keys import read_private
from .ledger.receipts import FIELD as CHECKPOINT_FIELD
from .ledger.receipts import CheckpointRef
from .ledger.statements import NEW, sealed_notice
from .model.agreement import OPTIONAL_FIELDS
from .service.clock import Clock, utc_now
from .witness import Verified, WitnessError, WitnessState, witness

_BY_STATUS: dict[int, type[InterlockError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: StateConflict,
    413: PayloadTooLarge,
    422: InvalidInput,
}


# A request the server could not serve (an answer lost, or 503 store_unavailable: the
# database restarting or failing over) is sent again for this long: above the failover time
# measured with scripts/ha (bench/failover.py), with waits from RETRY_FIRST_S doubling to
# RETRY_MAX_S, or the server's Retry-After (RFC 9110 §10.2.3) when longer.
RETRY_S = 30.0
RETRY_FIRST_S = 0.2
RETRY_MAX_S = 2.0
RECEIPT_THREADS = 4
# Witness rounds for receipts are at most this often: a receipt whose message is newer
# than the last verified checkpoint waits for the next round, which covers every message
# that came meanwhile, so the rounds stay a few a second whatever the message rate. A
# delivery is then reported up to this much later: small beside the shortest agreed
# acknowledgement deadline (flash, 30 s by default: model.agreement).
WITNESS_INTERVAL_S = 0.2
log = logging.getLogger("interlock.client")


class Landed(StateConflict):
    """A resent signed envelope was refused as a replay: an earlier attempt, whose answer
    was lost (a dropped connection, a failover), was committed. The write is stored, once."""

    def __init__(self, detail: str, nonce: str) -> None:
        super().__init__(detail)
        self.nonce = nonce


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


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(float(response.headers.get("Retry-After", "0")), RETRY_MAX_S)
    except ValueError:
        return 0.0


def _nonce(kwargs: dict[str, Any]) -> str:
    try:
        return str(orjson.loads(kwargs["content"]).get("nonce", ""))
    except (KeyError, ValueError, AttributeError):
        return ""


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
        state: WitnessState | Path | str | None = None,
        witness_interval_s: float = WITNESS_INTERVAL_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self.url = url
        self.retry_s = retry_s  # how long a read or a signed write is retried (0: never)
        self.party = party
        self.key = key
        self.clock = clock
        self.http = httpx.Client(
            base_url=url, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
        )
        # The witness state receipts are bound with (None: receipts carry no checkpoint).
        self.state = WitnessState(state) if isinstance(state, (Path, str)) else state
        self._verified: Verified | None = None  # the last checkpoint verified, in memory
        self._witnessing = threading.Lock()  # one witness round at a time
        self.witness_interval_s = witness_interval_s
        self._last_round = -math.inf  # time.monotonic() of the last witness round
        self.witness_rounds = 0  # how many times this client asked for a new checkpoint
        self.last_bound: CheckpointRef | None = None  # the last receipt's checkpoint
        self.last_seq = 0  # the last stream event seen: where a reconnect resumes
        # Delivery receipts go out from a few background threads, so reading the stream
        # never waits for a round trip and the server commits the receipts in batches.
        self._receipts: ThreadPoolExecutor | None = None
        self._hidden: frozenset[str] | None = None  # the fields others may not see
        self._streaming: httpx.Response | None = None  # the push stream being read

    @classmethod
    def from_key_file(
        cls,
        url: str,
        token: str,
        party: str,
        key_file: Path | str,
        *,
        state: WitnessState | Path | str | None = None,
    ) -> Client:
        return cls(url, token, party, read_private(Path(key_file)), state=state)

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
    def call(self, method: str, path: str, *, resend: bool = False, **kwargs: Any) -> Any:
        """One request; a GET, or a write whose body is signed (`resend`), is sent again,
        byte for byte, while the server answers 503 (a database restart or failover) or
        the answer is lost on the way, for up to `retry_s`. A signed envelope makes that
        safe: the server refuses a second copy as a replay, which tells us (Landed) that
        the first was stored."""
        if not (method == "GET" or resend) or self.retry_s <= 0:
            response = self.http.request(method, path, **kwargs)
            _raise_for(response)
            return response.json()
        if "json" in kwargs:  # the same bytes every time
            body = orjson.dumps(kwargs.pop("json"))
            headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
            kwargs = {**kwargs, "content": body, "headers": headers}
        deadline = time.monotonic() + self.retry_s
        pause, resent = RETRY_FIRST_S, False
        while True:
            try:
                response = self.http.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout):
                raise  # no server there: said at once (the request never reached one)
            except httpx.TransportError:  # the answer was lost: it may have been stored
                if time.monotonic() + pause > deadline:
                    raise
            else:
                if response.status_code != 503 or time.monotonic() + pause > deadline:
                    if resent and response.status_code == 409 and "replayed" in response.text:
                        raise Landed(response.json().get("detail", ""), _nonce(kwargs))
                    _raise_for(response)
                    return response.json()
                pause = max(pause, _retry_after(response))
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause, resent = min(pause * 2, RETRY_MAX_S), True

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
        return self.call("POST", "/notices", json=body, resend=signed)

    def submit_notices(self, features: Iterable[dict[str, Any]], *, signed: bool = True) -> Any:
        """File every feature at once, all or nothing (POST /notices/collection); signed,
        each goes as its own envelope, as submit_notice sends it."""
        bodies = [self.signed_notice(f) if signed else f for f in features]
        return self.call(
            "POST",
            "/notices/collection",
            json={"type": "FeatureCollection", "features": bodies},
            resend=signed,
        )

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
        return self.call("PUT", f"/notices/{notice_id}", json=body, resend=signed)

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
        phrase: dict[str, Any] | None = None,
    ) -> Any:
        """Send a signed message (with a standard `phrase` {code, args}: model.phrases);
        returns it as recorded (id, deadline, recipients)."""
        content: dict[str, Any] = {
            "to": [to] if isinstance(to, str) else list(to),
            "priority": priority,
            "subject": subject,
            "body": body,
            "refs": list(refs),
        }
        if payload is not None:
            content["payload"] = payload
        if phrase is not None:
            content["phrase"] = phrase
        return self.call("POST", "/messages", json=self.sign("message", content), resend=True)

    def receipt(
        self,
        message_id: str,
        status: str,
        reply: str | None = None,
        *,
        entry: dict[str, Any] | None = None,
        bound: bool = True,
    ) -> Any:
        """A signed receipt; with a witness state (and `bound`), bound to the checkpoint
        verified to hold the message's ledger `entry` (read from the server when not
        given)."""
        content: dict[str, Any] = {"message": message_id, "status": status}
        if reply is not None:
            content["reply"] = reply
        if self.state is not None and bound:
            ref = self.checkpoint_for(entry if entry is not None else self._entry_of(message_id))
            content[CHECKPOINT_FIELD] = ref.to_json()
            self.last_bound = ref
        return self.call(
            "POST",
            f"/messages/{message_id}/receipts",
            json=self.sign("receipt", content),
            resend=True,
        )

    def deliver(self, message_id: str, *, entry: dict[str, Any] | None = None) -> Any:
        """Report delivery (what the stream does for you on each message addressed here)."""
        return self.receipt(message_id, "delivered", entry=entry)

    def ack(self, message_id: str, reply: str | None = None) -> Any:
        """Acknowledge a message: a person's act, optionally with a reply."""
        return self.receipt(message_id, "acknowledged", reply)

    # ---- receipts bound to the log ----------------------------------------------------
    def _entry_of(self, message_id: str) -> dict[str, Any]:
        """The ledger entry that records message `message_id`, as the server serves it."""
        seq = self.message(message_id)["seq"]
        found = self.call("GET", "/ledger", params={"from_seq": seq, "limit": 1})
        entry = found[0] if found else {}
        if entry.get("seq") != seq or entry.get("event", {}).get("id") != message_id:
            raise WitnessError(f"the server's ledger has no entry {seq} recording {message_id}")
        return entry

    def checkpoint_for(self, entry: dict[str, Any]) -> CheckpointRef:
        """A checkpoint this client verified that holds ledger `entry`: the last one
        verified if it is large enough, else the server's latest, witnessed (proven
        consistent with the last and stored; cosigning is left to `audit checkpoint`, so a
        round is two reads); then the entry's inclusion proof is checked against it.
        WitnessError if the log fails either check."""
        assert self.state is not None
        seq = int(entry["seq"])
        with self._witnessing:
            v = self._verified or self.state.last_verified(self.url)
            if v is None or v.size < seq:
                # Hold the others back until the interval is over: they share this round.
                time.sleep(max(0.0, self._last_round + self.witness_interval_s - time.monotonic()))
                self._last_round = time.monotonic()
                self.witness_rounds += 1
                now = int(self.clock().timestamp())
                v = witness(self, self.state, url=self.url, now=now).checkpoint
            self._verified = v
        if v.size < seq:
            raise WitnessError(
                f"the server's latest checkpoint (size {v.size}) does not hold entry {seq}"
            )
        leaf = merkle.leaf_hash(merkle.leaf_input(str(entry["hash"])))
        try:
            answer = self.call("GET", "/proof/inclusion", params={"seq": seq, "size": v.size})
            proof = [base64.b64decode(h, validate=True) for h in answer["proof"]]
            merkle.verify_inclusion(seq - 1, v.size, leaf, proof, v.root)
        except (InterlockError, merkle.ProofError, ValueError, KeyError, TypeError) as exc:
            detail = getattr(exc, "detail", None) or str(exc)
            raise WitnessError(
                f"entry {seq} is not proven in the checkpoint of size {v.size}: {detail}"
            ) from None
        return CheckpointRef(v.size, v.root)

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
            self._streaming = response
            try:
                for event_id, _, data in parse_sse(self._lines(response, stop)):
                    entry = orjson.loads(data)
                    if auto_deliver:
                        self._auto_deliver(entry)
                    if event_id is not None:
                        self.last_seq = int(event_id)
                    yield entry
                    if stop():
                        return
            finally:  # its connection may go back to the pool: never interrupt that one
                self._streaming = None

    def interrupt_stream(self) -> None:
        """End the push stream another thread is reading, now rather than at the server's
        next keep-alive: its socket is shut down, so the read fails at once (and `events`
        returns, if its `stop()` is true by then). Closing the client does not do it."""
        response = self._streaming
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

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
            self._receipts.submit(self._deliver_quietly, event["id"], entry)

    def _deliver_quietly(self, message_id: str, entry: dict[str, Any]) -> None:
        try:
            try:
                self.deliver(message_id, entry=entry)
            except WitnessError:
                # The log failed a witness check (kept as evidence in the state): delivery
                # is still a fact, reported without vouching for that log.
                log.error("the log failed a check; %s delivered unbound", message_id,
                          exc_info=True)  # fmt: skip
                self.receipt(message_id, "delivered", entry=entry, bound=False)
        except StateConflict:
            pass  # delivered before a reconnect: already on record
        except (InterlockError, httpx.HTTPError):  # the sender sees it stays undelivered
            log.warning("delivery receipt for %s failed", message_id, exc_info=True)
