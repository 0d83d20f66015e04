"""Notice use cases on a real SQLite file: atomicity, concurrency, lifecycle, lead time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from tests.conftest import T0, Clock, circle, make_agreement

from interlock.errors import InvalidInput, NotFound, StateConflict
from interlock.service import strategic as strategic_module
from interlock.service.notices import NoticeService
from interlock.service.root import build_services
from interlock.store import SqliteStore, open_store


def test_a_failure_after_storing_rolls_everything_back(
    service: NoticeService, store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    service.submit("blue", circle(35.8, 35.5))

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("detector crashed")

    monkeypatch.setattr(strategic_module, "check_pair", broken)
    with pytest.raises(RuntimeError):
        service.submit("red", circle(35.85, 35.5))
    assert store.count_notices() == 1
    assert store.list_conflicts(include_closed=True) == []


def test_concurrent_overlapping_submits_never_both_miss_the_conflict(
    store: SqliteStore, tmp_path: object, clock: Clock
) -> None:
    """Two services (as two API processes would) on one file, submitting at once."""
    agreement = make_agreement()
    second = open_store(store.url.removeprefix("sqlite:///"))
    services = [
        build_services(store, agreement, clock).notices,
        build_services(second, agreement, clock).notices,
    ]
    rounds = 20
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(i: int, party: str) -> None:
        try:
            for k in range(rounds):
                barrier.wait()
                services[i].submit(party, circle(30.0 + k, 40.0 + 0.01 * i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(0, "blue")),
        threading.Thread(target=run, args=(1, "red")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert errors == []
    assert store.count_notices() == 2 * rounds
    assert len(store.list_conflicts()) == rounds  # one per pair, found by whoever came second


def test_lifecycle_status_follows_the_clock(service: NoticeService, clock: Clock) -> None:
    nid = service.submit("blue", circle(35.8, 35.5)).notice["id"]
    assert service.get("blue", nid)["properties"]["status"] == "submitted"
    clock.advance(hours=2, minutes=1)
    assert service.get("blue", nid)["properties"]["status"] == "active"
    clock.advance(hours=2)
    assert service.get("blue", nid)["properties"]["status"] == "ended"
    with pytest.raises(StateConflict, match="ended"):
        service.amend("blue", nid, circle(35.8, 35.5, start=clock.now + timedelta(hours=2)))


def test_shrinking_an_imminent_notice_is_not_late(service: NoticeService, clock: Clock) -> None:
    nid = service.submit("blue", circle(35.8, 35.5, radius_m=8000)).notice["id"]
    clock.advance(hours=1, minutes=50)  # ten minutes before the start
    smaller = service.amend("blue", nid, circle(35.8, 35.5, radius_m=4000, hours=1))
    assert smaller.violations == []
    larger = service.amend("blue", nid, circle(35.8, 35.5, radius_m=9000, hours=1))
    assert [v.violation.kind for v in larger.violations] == ["late_notice"]
    assert larger.violations[0].violation.notice.version == 3


def test_domain_cannot_change_on_amend(service: NoticeService) -> None:
    nid = service.submit("blue", circle(35.8, 35.5)).notice["id"]
    sea = circle(35.8, 35.5)
    p = sea["properties"]
    del p["alt_lower_ft"], p["alt_upper_ft"]
    p.update(domain="sea", depth_min_m=0, depth_max_m=20)
    with pytest.raises(InvalidInput, match="domain"):
        service.amend("blue", nid, sea)
    assert service.get("blue", nid)["properties"]["version"] == 1


def test_unknown_party_and_notice(service: NoticeService) -> None:
    with pytest.raises(InvalidInput, match="unknown party"):
        service.submit("mallory", circle(35.8, 35.5))
    with pytest.raises(NotFound):
        service.cancel("blue", "n-missing")


def test_air_and_sea_use_the_larger_minimum(service: NoticeService) -> None:
    """A mixed pair takes the larger of each minimum (5 NM, 1000 ft from the air side)."""
    service.submit("blue", circle(35.0, 34.0, radius_m=1000, lower_ft=0, upper_ft=500))
    sea = circle(35.0 + 7_000 / 92_000, 34.0, radius_m=1000)  # ~5 km gap: < 5 NM, > 2 NM
    p = sea["properties"]
    del p["alt_lower_ft"], p["alt_upper_ft"]
    p.update(domain="sea", depth_min_m=0, depth_max_m=10)
    (c,) = service.submit("red", sea).to_dict()["conflicts"]
    assert c["horizontal_minimum_m"] == pytest.approx(9260.0)
    assert c["vertical_minimum_m"] == pytest.approx(304.8)
    assert 4_000 < c["horizontal_distance_m"] < 6_000


def test_flight_levels_and_vertical_separation(service: NoticeService) -> None:
    fl = circle(35.8, 35.5)
    p = fl["properties"]
    del p["alt_lower_ft"], p["alt_upper_ft"]
    p.update(fl_lower=200, fl_upper=250)
    blue = service.submit("blue", fl).notice["id"]
    # Exactly 1000 ft below FL200: separated. 999 ft below: not.
    assert service.submit("red", circle(35.8, 35.5, upper_ft=19_000)).conflicts == []
    found = service.submit("green", circle(35.8, 35.5, upper_ft=19_001)).conflicts
    (c,) = [c.to_json() for c in found if c.b_id == blue]
    assert c["vertical_gap_m"] == pytest.approx(999 * 0.3048)


def test_time_buffer(service: NoticeService) -> None:
    blue = service.submit("blue", circle(35.8, 35.5, start=T0 + timedelta(hours=2), hours=1))
    # Starts 20 min after the end: outside the 15 min buffer.
    assert (
        service.submit(
            "red", circle(35.8, 35.5, start=T0 + timedelta(hours=3, minutes=20))
        ).conflicts
        == []
    )
    found = service.submit(
        "green", circle(35.8, 35.5, start=T0 + timedelta(hours=3, minutes=10))
    ).conflicts
    (c,) = [c.to_json() for c in found if c.b_id == blue.notice["id"]]
    assert c["time_gap_s"] == pytest.approx(600.0)
    assert c["severity"] == "minor"


def test_token_cache_reads_through_and_forgets_revoked_tokens(store: SqliteStore) -> None:
    from interlock.errors import Unauthorized
    from interlock.service.auth import TokenCache, issue_tokens

    tokens, hashes = issue_tokens(["blue", "red"])
    store.set_token_hashes(hashes)
    now = [0.0]
    cache = TokenCache(store, clock=lambda: now[0])
    assert cache.party(tokens["blue"]) == "blue"
    store.set_token_hashes({"red": hashes["red"]})  # blue's token revoked
    assert cache.party(tokens["blue"]) == "blue"  # still cached...
    now[0] += TokenCache.TTL_S + 1
    with pytest.raises(Unauthorized):
        cache.party(tokens["blue"])  # ...until the entry expires
    with pytest.raises(Unauthorized):
        cache.party("il_forged")
