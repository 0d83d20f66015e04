"""The FastAPI application: routes map HTTP to service calls and nothing more."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from .. import __version__
from ..errors import InvalidInput
from ..geo.boxes import parse_bbox as _parse_bbox
from ..model.agreement import DOMAINS
from ..model.phrases import catalogue as phrase_catalogue
from ..model.server_limits import DEFAULT_SERVER_LIMITS, ServerLimits
from ..model.timeutil import parse_utc
from ..model.visibility import visible_entry
from ..service.assets import AssetOp
from ..service.auth import TokenCache
from ..service.batch import Batcher
from ..service.disclosure import DiscloseOp, Discloser
from ..service.hazards import HazardOp
from ..service.hotline import HotlineOp, HotlineService
from ..service.notices import WriteOp
from ..service.picture_share import share_picture
from ..service.root import Services
from ..service.text_formats import TextFormats
from ..service.tracks import TrackService
from . import schemas
from .advice_routes import advice_router
from .errors import install_error_handlers
from .format_routes import format_router
from .hazard_routes import hazard_router
from .history_routes import history_router
from .hot_routes import HotPath, HotWrites, PartyOf, json_body
from .hotline_routes import hotline_router
from .limits import MAX_INT, BodyLimit, FairShare
from .log_routes import log_router
from .notam_routes import notam_router
from .picture_routes import picture_router
from .responses import JSONBytes
from .spectrum_routes import spectrum_router
from .stream import KEEPALIVE_S, Broadcaster, StreamGate
from .track_routes import track_router
from .web import mount_web
from .writer import GroupCommitter

MAX_BODY_BYTES = 1_000_000
TICK_S = 1.0  # how often deadlines and heartbeats are checked
log = logging.getLogger("interlock")
STATUSES = ("submitted", "active", "ended", "cancelled")
_bearer = HTTPBearer(auto_error=False, description="One API token per party")
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": schemas.ErrorOut} for code in (401, 403, 404, 409, 413, 422)
}


def _ok(model: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """A route's success schema and error schemas. Documentation only: the handler's
    plain dict is not validated against the model (big payloads stay cheap); the tests
    check real responses against the document instead."""
    return {status: {"model": model}, **_ERRORS}


def _time(value: str | None, field: str) -> datetime | None:
    return None if value is None else parse_utc(value, field)


async def _ticker(hotline: HotlineService, tracks: TrackService, every_s: float) -> None:
    """Escalate overdue messages, report silent parties and scan the live picture for
    tactical conflicts, for as long as the app runs."""
    while True:
        await asyncio.sleep(every_s)
        for job in (hotline.tick, tracks.scan):
            try:
                await run_in_threadpool(job)
            except Exception:  # a failed tick must not stop the next one; it is retried
                log.exception("periodic job %s failed", job.__qualname__)


def create_app(
    services: Services,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    tick_s: float = TICK_S,
    keepalive_s: float = KEEPALIVE_S,
    limits: ServerLimits = DEFAULT_SERVER_LIMITS,
    shared_picture: bool = False,
) -> FastAPI:
    """The API over one deployment's services. Blocking store calls run in the thread pool.
    `limits` are each party's fair share (the server-side ones, timeouts and the connection
    cap, are applied by `api.server`). `shared_picture`: on PostgreSQL, one live picture
    for every process of the deployment (`service.picture_share`; `interlock serve`)."""
    service, hotline, tracks, assets = (
        services.notices,
        services.hotline,
        services.tracks,
        services.assets,
    )
    committer = GroupCommitter(
        Batcher(
            services.store,
            {
                WriteOp: service,
                HotlineOp: hotline,
                AssetOp: assets,
                HazardOp: services.hazards,
                DiscloseOp: Discloser(services.store, services.agreement, services.clock),
            },
        )
    )
    broadcaster = Broadcaster()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        broadcaster.attach(asyncio.get_running_loop())
        service.store.on_commit.append(broadcaster.wake_threadsafe)
        committer.start()
        share = (
            await run_in_threadpool(share_picture, services.store, tracks)
            if shared_picture
            else None
        )
        ticker = asyncio.create_task(_ticker(hotline, tracks, tick_s))
        if tracks.history is not None:
            tracks.history.start()  # track history's flusher (service.history)
        yield
        if tracks.history is not None:
            await run_in_threadpool(tracks.history.stop)  # ends tracks, writes the rest
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
        if share is not None:
            await run_in_threadpool(share.stop)
        await committer.stop()
        service.store.on_commit.remove(broadcaster.wake_threadsafe)

    app = FastAPI(
        lifespan=lifespan,
        title="interlock",
        version=__version__,
        description=(
            "Deconfliction between parties sharing a theatre: advance notices of planned "
            "activity, strategic conflict detection under the parties' agreement. "
            'Errors are `{"error": code, "detail": text}`.'
        ),
        default_response_class=JSONBytes,
        # /docs is served from the vendored Swagger UI (api/web.py), never a CDN; no Redoc.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    app.state.service = service
    app.state.hotline = hotline
    app.state.tracks = tracks
    app.state.committer = committer
    install_error_handlers(app)
    tokens = TokenCache(service.store)
    party_of = PartyOf(tokens, lambda: service.agreement.party_ids)
    hot = HotWrites(party_of, committer.run)
    # Outermost last: an oversized body is 413 before it is charged to anyone's share, and
    # only then are the hot writes answered (api.hot_routes), ahead of the routing.
    app.add_middleware(HotPath, hot=hot)
    app.add_middleware(FairShare, limits=limits, party_of=tokens.cached, resolve=tokens.party)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    gate = StreamGate(limits.streams_per_party)

    async def current_party(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        return party_of(None if creds is None else creds.credentials)

    Party = Annotated[str, Depends(current_party)]

    @app.get("/health", tags=["meta"], responses={200: {"model": schemas.HealthOut}})
    def health() -> Any:
        """Liveness: no token needed."""
        return {
            "status": "ok",
            "version": __version__,
            "agreement": service.agreement.name,
            "time": service.clock().isoformat(),
        }

    @app.get("/agreement", tags=["meta"], responses=_ok(schemas.AgreementOut))
    def agreement(party: Party) -> Any:
        """The parties and rules every detection follows."""
        return service.agreement.to_dict()

    @app.get("/phrases", tags=["meta"], responses=_ok(schemas.PhrasesOut))
    def phrases(party: Party) -> Any:
        """The standard hotline phrases, each a code with typed slots and its text in
        every language: what a message's `phrase` may say, and how readers render it."""
        return phrase_catalogue()

    @app.get("/me", tags=["meta"], responses=_ok(schemas.PartyOut))
    def me(party: Party) -> Any:
        p = service.agreement.party(party)
        return {"id": p.id, "name": p.name}

    # Before /notices/{notice_id}, which would take "n-1.kml" for an id (format_routes).
    app.include_router(format_router(services, Depends(current_party), committer.run, _parse_bbox))

    # ---- notices ----------------------------------------------------------------------
    @app.post(
        "/notices",
        status_code=201,
        tags=["notices"],
        response_model=None,
        responses=_ok(schemas.SubmitOut, 201),
        openapi_extra=schemas.body_schema(schemas.NoticeFeature),
    )
    async def submit_notice(request: Request, party: Party) -> JSONBytes:
        """File a notice. The response carries every conflict and violation it causes."""
        return await hot.submit_notice(party, await request.body())

    @app.post(
        "/notices/collection",
        status_code=201,
        tags=["notices"],
        response_model=None,
        responses=_ok(schemas.SubmitAllOut, 201),
        openapi_extra=schemas.body_schema(schemas.NoticeCollectionIn),
    )
    async def submit_notices(request: Request, party: Party) -> JSONBytes:
        """File every notice of a FeatureCollection, all or nothing: one refused feature
        (named `features[i]...`) files none. Each feature is a bare Feature or a signed
        envelope, as POST /notices takes."""
        body = await json_body(request)
        if not isinstance(body, dict) or body.get("type") != "FeatureCollection":
            raise InvalidInput("must be a GeoJSON FeatureCollection", field="type")
        result = await committer.run(WriteOp("submit_all", party, feature=body.get("features")))
        return JSONBytes(result.to_dict(), status_code=201)

    @app.get(
        "/notices",
        tags=["notices"],
        responses=_ok(schemas.NoticeCollectionOut),
    )
    def list_notices(
        party: Party,
        bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
        start: Annotated[str | None, Query(description="overlapping from (ISO 8601)")] = None,
        end: Annotated[str | None, Query(description="overlapping until (ISO 8601)")] = None,
        owner: Annotated[str | None, Query(alias="party", description="filing party")] = None,
        domain: Annotated[str | None, Query()] = None,
        status: Annotated[str | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=MAX_INT)] = 0,
    ) -> Any:
        if owner is not None:
            service.agreement.party(owner)
        if domain is not None and domain not in DOMAINS:
            raise InvalidInput(f"must be one of {', '.join(DOMAINS)}", field="domain")
        if status is not None and status not in STATUSES:
            raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
        t0, t1 = _time(start, "start"), _time(end, "end")
        if t0 and t1 and t1 < t0:
            raise InvalidInput("end must not be before start", field="end")
        return service.list(
            party,
            party=owner,
            domain=domain,
            bbox=_parse_bbox(bbox),
            start=t0,
            end=t1,
            status=status,
            limit=limit,
            offset=offset,
        )

    app.include_router(advice_router(services, Depends(current_party), committer.run))

    # /notices/{id}.notam|.navarea before /notices/{notice_id}, which would take them
    app.include_router(notam_router(TextFormats(services), Depends(current_party)))

    @app.get("/notices/{notice_id}", tags=["notices"], responses=_ok(schemas.NoticeOut))
    def get_notice(notice_id: str, party: Party) -> Any:
        return service.get(party, notice_id)

    @app.get(
        "/notices/{notice_id}/versions",
        tags=["notices"],
        responses=_ok(schemas.NoticeCollectionOut),
    )
    def notice_versions(notice_id: str, party: Party) -> Any:
        """Every version of a notice: nothing is ever deleted."""
        return service.versions(party, notice_id)

    @app.get(
        "/notices/{notice_id}/versions/{version}",
        tags=["notices"],
        responses=_ok(schemas.NoticeOut),
    )
    def notice_version(
        notice_id: str, version: Annotated[int, Path(ge=1, le=MAX_INT)], party: Party
    ) -> Any:
        return service.get(party, notice_id, version)

    @app.put(
        "/notices/{notice_id}",
        tags=["notices"],
        response_model=None,
        responses=_ok(schemas.SubmitOut),
        openapi_extra=schemas.body_schema(schemas.NoticeFeature),
    )
    async def amend_notice(notice_id: str, request: Request, party: Party) -> JSONBytes:
        """Amend your own notice: a new version, detected afresh."""
        body = await json_body(request)
        result = await committer.run(WriteOp("amend", party, notice_id, body))
        return JSONBytes(result.to_dict())

    @app.post("/notices/{notice_id}/cancel", tags=["notices"], responses=_ok(schemas.NoticeOut))
    async def cancel_notice(notice_id: str, party: Party) -> Any:
        """Cancel your own notice; its open conflicts close."""
        return await committer.run(WriteOp("cancel", party, notice_id))

    # ---- conflicts and violations -----------------------------------------------------
    @app.get(
        "/conflicts",
        tags=["conflicts"],
        responses=_ok(list[schemas.ListedConflictOut]),
    )
    def conflicts(party: Party, notice: str | None = None, include_closed: bool = False) -> Any:
        """Conflicts involving your party (open ones unless include_closed)."""
        return service.conflicts(party, notice_id=notice, include_closed=include_closed)

    @app.get(
        "/violations",
        tags=["conflicts"],
        responses=_ok(list[schemas.ListedViolationOut]),
    )
    def violations(party: Party, notice: str | None = None) -> Any:
        """Rule violations (late notices); every party sees them all."""
        return service.violations(notice_id=notice)

    @app.get("/ledger", tags=["record"], responses=_ok(list[schemas.LedgerEntryOut]))
    def ledger(
        party: Party,
        from_seq: Annotated[int, Query(ge=1, le=MAX_INT)] = 1,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    ) -> JSONBytes:
        """The hash-chained record of every event, for any party to verify independently."""
        # Rendered straight from the stored JSON: a page of 10,000 entries took ~0.6 s
        # through FastAPI's generic encoder, ~0.01 s through orjson (`audit verify --url`).
        return JSONBytes(
            [
                visible_entry(e, party, service.agreement)
                for e in service.store.ledger_entries(from_seq, limit)
            ]
        )

    @app.post(
        "/ledger/{seq}/disclose",
        status_code=201,
        tags=["record"],
        responses=_ok(schemas.LedgerEntryOut, 201),
    )
    async def disclose(
        seq: Annotated[int, Path(ge=1, le=MAX_INT)], body: schemas.DiscloseIn, party: Party
    ) -> JSONBytes:
        """Publish the opening (value and salt) of a field your notice's entry `seq`
        commits: recorded as a `disclosure` event every party reads and can check."""
        entry = await committer.run(DiscloseOp(party, seq, body.field))
        return JSONBytes(entry, status_code=201)

    # ---- protected assets -------------------------------------------------------------
    @app.post(
        "/assets",
        status_code=201,
        tags=["assets"],
        responses=_ok(schemas.AssetCreatedOut, 201),
        openapi_extra=schemas.body_schema(schemas.AssetFeature),
    )
    async def create_asset(request: Request, party: Party) -> JSONBytes:
        body = await json_body(request)
        return JSONBytes(
            await committer.run(AssetOp("create", party, feature=body)), status_code=201
        )

    @app.get("/assets", tags=["assets"], responses=_ok(schemas.AssetCollectionOut))
    def list_assets(party: Party, include_retired: bool = False) -> Any:
        return assets.list(include_retired)

    @app.get("/assets/{asset_id}", tags=["assets"], responses=_ok(schemas.AssetOut))
    def get_asset(asset_id: str, party: Party) -> Any:
        return assets.get(asset_id)

    @app.post("/assets/{asset_id}/retire", tags=["assets"], responses=_ok(schemas.AssetOut))
    async def retire_asset(asset_id: str, party: Party) -> Any:
        return await committer.run(AssetOp("retire", party, asset_id))

    app.include_router(
        hotline_router(
            hotline,
            Depends(current_party),
            hot,
            broadcaster,
            keepalive_s,
            gate,
        )
    )
    app.include_router(history_router(tracks, Depends(current_party), _parse_bbox))
    app.include_router(track_router(tracks, Depends(current_party), json_body, _parse_bbox))
    app.include_router(spectrum_router(services.spectrum, Depends(current_party)))
    app.include_router(
        hazard_router(services.hazards, Depends(current_party), json_body, committer.run)
    )
    app.include_router(log_router(services.log, Depends(current_party), json_body))
    app.include_router(picture_router(services.replay, Depends(current_party), _parse_bbox))
    mount_web(app)
    return app
