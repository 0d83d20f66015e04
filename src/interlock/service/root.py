"""The composition root: every service of a deployment, built once over one store.

Services share their collaborators (one strategic recorder, one spectrum service) instead
of building their own, so a rule or cache has one instance per deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..model.agreement import Agreement
from ..store.base import Store
from .advice import AdviceService
from .assets import AssetService
from .clock import Clock, utc_now
from .hazards import HazardService
from .history import HistoryRecorder
from .hotline import HotlineService
from .log import LogService
from .notices import NoticeService
from .replay import ReplayService
from .spectrum import SpectrumService
from .strategic import StrategicRecorder
from .tracks import TrackService


@dataclass(frozen=True)
class Services:
    """One deployment's use cases over one store, agreement and clock."""

    store: Store
    agreement: Agreement
    clock: Clock
    notices: NoticeService
    assets: AssetService
    hotline: HotlineService
    spectrum: SpectrumService
    tracks: TrackService
    hazards: HazardService
    log: LogService

    @cached_property
    def advice(self) -> AdviceService:
        """Advice that clears a notice's conflicts, over the notices' own recorder."""
        return AdviceService(
            self.store, self.agreement, self.clock, self.notices.strategic, self.notices
        )

    @cached_property
    def replay(self) -> ReplayService:
        """The picture at any moment and the events between two, over the
        services above; built on first use (the API builds it with its routes)."""
        return ReplayService(
            self.store,
            self.agreement,
            self.clock,
            self.notices,
            self.assets,
            self.hazards,
            self.hotline,
            self.tracks,
        )


def build_services(
    store: Store,
    agreement: Agreement,
    clock: Clock = utc_now,
    *,
    log_key: Ed25519PrivateKey | None = None,
) -> Services:
    """Wire every service of a deployment. Without a `log_key` (an in-memory store, a
    test) the log signs with a key made for this process alone."""
    strategic = StrategicRecorder(agreement)
    spectrum = SpectrumService(store, agreement, clock)
    log = LogService(store, agreement, log_key or Ed25519PrivateKey.generate(), clock)
    log.ensure_checkpoint()
    return Services(
        store=store,
        agreement=agreement,
        clock=clock,
        notices=NoticeService(store, agreement, clock, strategic, spectrum),
        assets=AssetService(store, agreement, clock, strategic, spectrum),
        hotline=HotlineService(store, agreement, clock),
        spectrum=spectrum,
        tracks=TrackService(
            agreement, clock, store, history=HistoryRecorder(store, agreement.history, clock)
        ),
        hazards=HazardService(store, agreement, clock, strategic),
        log=log,
    )
