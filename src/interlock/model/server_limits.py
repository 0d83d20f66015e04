"""Fair-share limits of one API server: what one party (or one client address) may take.

The parties do not trust each other, so no party's client may take the server from the
others: per-party push streams, request and byte rates, and server-wide timeouts and a
connection cap. They are the deployment's, set in the ``[server]`` table of
agreement.toml (every key optional); the defaults below name where each comes from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from ..errors import InvalidInput


@dataclass(frozen=True)
class ServerLimits:
    # Open push streams per party. A party's clients are a few: the map page in a tab or
    # two, `interlock hotline watch`, the stock client; beyond 8 a party is flooding.
    streams_per_party: int = 8
    # Requests per second per party, per lane (hotline: messages, receipts, heartbeat,
    # status, stream; other: everything else), and the burst each bucket holds. One
    # server process commits ~500 writes/s (bench/hotline.py: ~2 ms CPU a message):
    # 50/s per lane keeps one party well under half of it.
    requests_per_s: float = 50.0
    request_burst: int = 100
    # Request body bytes per second per party, and the burst: at least the largest body
    # (api.app.MAX_BODY_BYTES, 1 MB) so any accepted body can pass. 1 MiB/s of AIS is
    # ~20,000 sentences/s, about 40 % of a core (bench/ingest.py: ~50,000/s).
    bytes_per_s: float = 1_048_576.0
    byte_burst: int = 2_097_152
    # Requests without a known token are counted per client address (map page assets,
    # /health, failed sign-ins): the map page loads ~60 files at once (its modules,
    # catalogues and vendored libraries); the burst lets a reload soon after pass too.
    anon_requests_per_s: float = 40.0
    anon_request_burst: int = 200
    # Seconds from a connection (or a new request on it) to its complete request line and
    # headers, and from the headers to the end of the body: Apache httpd's mod_reqtimeout
    # defaults (header=20, body=20); a slow-header or trickling client is cut at them.
    header_timeout_s: float = 20.0
    body_timeout_s: float = 20.0
    # Idle seconds between requests on a keep-alive connection (uvicorn's default).
    keep_alive_s: float = 5.0
    # Open connections per server process: under Linux's default RLIMIT_NOFILE (1024
    # descriptors), leaving room for the store's files and the thread pool's.
    max_connections: int = 900


DEFAULT_SERVER_LIMITS = ServerLimits()
_INTS = {
    "streams_per_party",
    "request_burst",
    "byte_burst",
    "anon_request_burst",
    "max_connections",
}


def server_limits_from_dict(data: dict[str, Any]) -> ServerLimits:
    """The ``[server]`` table of a parsed agreement document (absent: the defaults)."""
    table = data.get("server", {})
    if not isinstance(table, dict):
        raise InvalidInput("must be a table", field="server")
    known = {f.name for f in fields(ServerLimits)}
    for key in table:
        if key not in known:
            raise InvalidInput(f"unknown key {key!r}", field="server")
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"server.{key}"
        if key in _INTS:
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10**9:
                raise InvalidInput("must be an integer from 1 to 10^9", field=where)
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not 0 < value <= 1e9
        ):
            raise InvalidInput("must be a number above 0 and at most 1e9", field=where)
        values[key] = value if key in _INTS else float(value)
    return ServerLimits(**values)


EXAMPLE_SERVER = """
# Fair share of this server (the deployment's, not a rule between the parties): what one
# party's clients may take, so that one party's flood cannot take the hotline from the
# others. Every key is optional; these are the defaults.
[server]
streams_per_party = 8          # open push streams per party (the next is 429)
requests_per_s = 50            # per party, per lane (hotline / other): then 429
request_burst = 100
bytes_per_s = 1048576          # request body bytes per party
byte_burst = 2097152
anon_requests_per_s = 40       # requests without a known token, per client address
anon_request_burst = 200
header_timeout_s = 20          # a request's headers must arrive within this
body_timeout_s = 20            # and its body within this after them
keep_alive_s = 5               # an idle keep-alive connection is closed after this
max_connections = 900          # open connections per server process
"""
