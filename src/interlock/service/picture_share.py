"""One live picture for every API process on one PostgreSQL database.

One process at a time owns ingest decoding and the tactical scan: the holder of the lease
(`store.picture_share`). The others
- post feed batches to the inbox and answer with the owner's answer to it (the same
  counts), or 202 with the batch queued when no owner answers within `WAIT_S` (the row
  stays and the next owner applies it: a 503 would invite a retry that applies it twice);
- serve tracks, stats and alerts from the owner's latest snapshot: its picture, alert
  book, stats and alias key restored into their own `TrackService`, so every read (each
  viewer's cut by `model.visibility`, a bbox, stale tracks) runs the owner's code on the
  owner's data.
The owner publishes a snapshot every scan: in the same transaction as the alerts the scan
records when it records any, so the snapshot a new owner starts from always holds every
alert the record holds (none raised twice, none lost), and the last inbox row applied, so
it re-applies those its predecessor applied after (their effect died with it).

SQLite has one process: no share, the owner's code path alone.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from ..errors import InterlockError, InvalidInput, StoreUnavailable
from ..model.alerts import AlertBook, book_state, restore_book
from ..model.picture import Picture, picture_state, restore_picture
from ..model.track import FeedStats
from ..store import picture_share as db
from ..store.postgres import PostgresStore
from .history import no_gc

if TYPE_CHECKING:
    from .tracks import TrackService

log = logging.getLogger(__name__)

TRY_EVERY_S = 1.0  # a process not owning the picture tries the lease this often
LISTEN_S = 0.25  # between looks at the inbox / snapshot when no NOTIFY comes (fallback)
WAIT_S = 3.0  # a non-owner waits this long for the owner's answer, then says "queued"
MAX_BACKLOG = 200  # inbox rows not yet applied; one more: 503 with Retry-After
KEEP_S = 10.0  # an applied row stays this long for its poster to read the answer
APPLY_BATCH = 100  # inbox rows the owner applies between two looks at its lease


class InboxFull(StoreUnavailable):
    """The owner has fallen behind (or there is none): the batch was not queued; retry."""

    code = "picture_backlog"


class LeaseLost(StoreUnavailable):
    """A publish found another owner's epoch: this process no longer owns the picture."""

    code = "picture_lease_lost"


@dataclass(frozen=True)
class Restored:
    """A snapshot made into what a `TrackService` holds, ready to swap in."""

    picture: Picture
    alerts: AlertBook
    scanned: set[str]
    alias_key: bytes
    stats: dict[str, FeedStats]
    outside_since: dict[str, float]

    def install(self, t: TrackService) -> None:
        """Swap it in (the caller holds `t`'s lock)."""
        t.picture, t.alerts, t._scanned = self.picture, self.alerts, self.scanned
        t._alias_key, t.stats = self.alias_key, self.stats
        if t.hazards is not None:
            t.hazards.restore_outside(self.outside_since)


class PictureShare:
    """This process's part in the shared picture: the lease, the inbox, the snapshot."""

    def __init__(
        self,
        store: PostgresStore,
        tracks: TrackService,
        *,
        max_backlog: int = MAX_BACKLOG,
        wait_s: float = WAIT_S,
    ) -> None:
        self.store, self.tracks = store, tracks
        self.max_backlog, self.wait_s = max_backlog, wait_s
        with store.side_write() as conn:
            db.ensure_snapshot_row(conn)
        self.lease = db.Lease(store.url)
        self.owner = False
        self.epoch = 0
        self.applied = 0  # the last inbox id applied to this picture (owner)
        self.seq = 0  # the snapshot served (non-owner) or last published (owner)
        self._answers = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tried = 0.0

    # ---- the loop -------------------------------------------------------------------------
    def start(self) -> None:
        """Try the lease once now (a lone process owns the picture before it serves), then
        keep trying, applying and refreshing in a thread of its own."""
        try:
            self.step(listen_s=0.0)
        except StoreUnavailable as exc:  # the thread keeps trying
            log.warning("picture share: %s", exc.detail)
        self._thread = threading.Thread(target=self._run, name="picture-share", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; an owner publishes once more (what it applied since its last
        scan) and lets the lease go, for the next owner to take at its next try."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.owner:
            try:
                with self.tracks._lock:
                    snap = self.snapshot()
                self.publish(snap)
            except StoreUnavailable as exc:
                log.warning("picture share: last snapshot not written: %s", exc.detail)
        self.lease.close()
        self.owner = False

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step(LISTEN_S)
            except StoreUnavailable as exc:  # the database away: the next step tries again
                log.warning("picture share: %s", exc.detail)
                self._stop.wait(TRY_EVERY_S)
            except Exception:  # a bug: said in full, and the share carries on
                log.exception("picture share step failed")
                self._stop.wait(TRY_EVERY_S)

    def step(self, listen_s: float) -> None:
        """Keep or try the lease, then apply the inbox (owner) or read the latest snapshot
        (the others), then listen up to `listen_s` for what the others did."""
        now = time.monotonic()
        if self.owner or now - self._tried >= TRY_EVERY_S:
            self._tried = now
            held = self.lease.try_take()
            if held and not self.owner:
                self._take_over()
            elif not held and self.owner:
                log.warning("picture lease lost: serving the owner's snapshots")
                self.owner = False
        if self.owner:
            self.apply_inbox()
        else:
            self.refresh()
        if listen_s > 0 and db.ANSWERED in self.lease.heard(listen_s):
            with self._answers:
                self._answers.notify_all()

    # ---- owner ----------------------------------------------------------------------------
    def _take_over(self) -> None:
        """Carry on from the last snapshot (picture, raised alerts, alias key, stats), then
        apply the inbox rows after the last one it covers."""
        with self.store.side_write() as conn:
            snap = db.take_over(conn)
        restored = self._restored(snap.state)
        with self.tracks._lock:
            if restored is not None:
                restored.install(self.tracks)
            self.tracks._decoders.clear()  # a message half-received by the old owner: lost
            self.epoch, self.applied, self.seq = snap.epoch, snap.last_inbox, snap.seq
        log.warning("picture owner now (epoch %d, snapshot %d)", snap.epoch, snap.seq)
        self.apply_inbox()
        self.owner = True

    def _restored(self, state: bytes) -> Restored | None:
        """The owner's snapshot as this process's picture, alerts and stats, made outside
        the picture's lock (its readers wait only for the swap); None: no snapshot yet
        (the first owner starts empty)."""
        if not state:
            return None
        t = self.tracks
        with no_gc():
            s = orjson.loads(state)
            picture, alerts = copy.copy(t.picture), copy.copy(t.alerts)  # their settings
            restore_picture(picture, s["picture"])
            restore_book(alerts, s["book"])
        stats = {
            k: FeedStats(reports=v["reports"], skipped=dict(v["skipped"]))
            for k, v in s["stats"].items()
        }
        return Restored(
            picture, alerts, set(s["scanned"]), bytes.fromhex(s["alias"]), stats,
            s["outside_since"],
        )  # fmt: skip

    def apply_inbox(self) -> int:
        """Apply the inbox rows after the last applied, in id order; each gets its answer."""
        with self.store.side_write() as conn:
            rows = db.pending(conn, self.applied, APPLY_BATCH)
        if not rows:
            return 0
        answers = []
        for row in rows:
            with self.tracks._lock:  # a snapshot sees a row's effect and its id together
                answers.append((row.id, orjson.dumps(self.tracks.apply_posted(row))))
                self.applied = row.id
        with self.store.side_write() as conn:
            db.answer(conn, answers)
        return len(rows)

    def snapshot(self) -> tuple[bytes, int]:
        """(state, last inbox id applied) of the picture now; the caller holds the
        picture's lock (what is applied and what is shown agree)."""
        t = self.tracks
        with no_gc():
            state = {
                "picture": picture_state(t.picture),
                "book": book_state(t.alerts),
                "scanned": sorted(t._scanned),
                "alias": t._alias_key.hex(),
                "stats": {
                    k: {"reports": s.reports, "skipped": s.skipped} for k, s in t.stats.items()
                },
                "outside_since": t.hazards.outside() if t.hazards is not None else {},
            }
            return orjson.dumps(state), self.applied

    def publish(self, snap: tuple[bytes, int], tx: Any | None = None) -> None:
        """Write `snap` (in write transaction `tx` if given: the scan's record of alerts);
        LeaseLost (rolling that transaction back) if another process took the picture."""
        state, last = snap
        if tx is None:
            with self.store.side_write() as side:
                seq = db.publish(side, self.epoch, state, last, KEEP_S)
        else:
            seq = db.publish(tx.conn, self.epoch, state, last, KEEP_S)
        if seq is None:
            self.owner = False
            raise LeaseLost("another process owns the picture now: nothing recorded")
        self.seq = seq

    # ---- the others -----------------------------------------------------------------------
    def refresh(self) -> bool:
        """Take the latest snapshot in if there is a newer one."""
        with self.store.side_write() as conn:
            snap = db.latest(conn, self.seq)
        if snap is None or not snap.state:
            return False
        restored = self._restored(snap.state)
        assert restored is not None
        with self.tracks._lock:
            if self.owner:
                return False  # taken over meanwhile: its own picture is the one
            restored.install(self.tracks)
            self.seq = snap.seq
        return True

    def forward(self, party: str, feed: str, payload: bytes) -> dict[str, Any]:
        """Queue a batch for the owner and wait for its answer: the answer, or after
        `wait_s` where the batch waits (``queued``: the API's 202); InboxFull when the
        backlog is at its bound (nothing queued)."""
        with self.store.side_write() as conn:
            row_id = db.post(conn, party, feed, payload, self.max_backlog)
        if row_id is None:
            raise InboxFull(
                f"{self.max_backlog} feed batches wait for the picture's owner: retry shortly",
                field="body",
            )
        deadline = time.monotonic() + self.wait_s
        while True:
            with self.store.side_write() as conn:
                there, body = db.result(conn, row_id)
            if body is not None:
                return answer_of(body)
            left = deadline - time.monotonic()
            if not there or left <= 0:
                break
            with self._answers:
                self._answers.wait(min(left, LISTEN_S))
        return {
            "queued": row_id,
            "detail": "no owner of the live picture answered in time: the batch is queued "
            "and the next owner applies it (do not send it again)",
        }


def answer_of(body: bytes) -> dict[str, Any]:
    """The owner's answer to a row, or the error it found in it raised here."""
    out: dict[str, Any] = orjson.loads(body)
    if "error" in out:
        exc = (
            InvalidInput(out["detail"])
            if out.get("status") == 422
            else InterlockError(out["detail"])
        )
        exc.code, exc.http_status = out["error"], int(out.get("status", 400))
        raise exc
    return out


def error_answer(exc: Exception) -> dict[str, Any]:
    """A row the owner could not apply, as its answer (the row is done with either way)."""
    if isinstance(exc, InterlockError):
        return {"error": exc.code, "detail": exc.detail, "status": exc.http_status}
    return {"error": "invalid_input", "detail": f"malformed inbox row: {exc}", "status": 422}


def share_picture(store: Any, tracks: TrackService) -> PictureShare | None:
    """A started share for `tracks` on a PostgreSQL store (None on SQLite: one process)."""
    if not isinstance(store, PostgresStore):
        return None
    share = PictureShare(store, tracks)
    tracks.share = share
    share.start()
    return share
