"""Fast path for the common AIS line: one single-sentence position report.

Most of a receiver's lines are single-sentence position reports (types 1-3, 18, 19, 27).
Building pyais's sentence and message objects for them costs about half the decoder's time;
here the payload becomes one Python int (armour -> base64 alphabet, then `a2b_base64` in C)
and the few fields the picture needs are cut out with shifts and masks.

`position_fields` answers only when it is sure to read what pyais would: anything else
(other types, payloads shorter than a type's fields, more than one sentence) returns None
and the caller takes the pyais path, so skips and their reasons stay pyais's. The armour
table and the scaling follow pyais 3.3 exactly (`pyais.bit_vector`, `to_lat_lon`), which
`tests/feeds/test_ais_fast.py` checks sentence by sentence against pyais itself.
"""

from __future__ import annotations

from binascii import a2b_base64

# 6-bit armour value of each byte as pyais reads it: '0'-'W' -> 0-39, '`'-'w' -> 40-63
# (NMEA 0183 / ITU-R M.1371-5 Annex 8 table 47); bytes outside 48-119 read as 0, and
# 'X'-'_' (not armour) read as pyais's formula gives, so garbage decodes as it does there.
_ARMOUR = [(c - 56 if c - 48 > 40 else c - 48) if 48 <= c <= 119 else 0 for c in range(256)]
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
TO_B64 = bytes(_B64[v] for v in _ARMOUR)  # armour byte -> the base64 char of its value
_PAD = (b"", b"AAA", b"AA", b"A")  # to whole 4-char base64 groups ('A' = 6 zero bits)
# Message type from the first payload character (its 6 bits are the type).
TYPE_OF = {chr(c): _ARMOUR[c] for c in range(128)}
# Fewest payload bits holding every field of a position report the picture reads
# (ITU-R M.1371-5 Annex 8 message tables; offsets as in gpsd's AIVDM/AIVDO decoding): one
# owner for both paths (ais.MIN_BITS); shorter payloads go to pyais, which reports them as
# truncated.
POSITION_MIN_BITS = {1: 128, 2: 128, 3: 128, 18: 124, 19: 124, 27: 94}
NAME_END_19 = 263  # type 19 name: bits 143-262
# AIS 6-bit text (ITU-R M.1371-5 table 47): 0-31 -> '@'-'_', 32-63 -> ' '-'?'
_TEXT = tuple(chr(v + 64) if v < 32 else chr(v) for v in range(64))

Fields = tuple[int, int, float, float, float, float, "str | None"]


def position_fields(payload: str, fill: int) -> Fields | None:
    """(type, mmsi, lon, lat, sog, cog, type-19 name) of a position report payload, scaled
    as pyais scales them; None when the fast path is not sure (the caller asks pyais).

    `payload` must be ASCII and non-empty, `fill` 0-5 (the caller checks)."""
    kind = TYPE_OF[payload[0]]
    need = POSITION_MIN_BITS.get(kind)
    n = len(payload) * 6 - fill
    if need is None or n < need:
        return None
    # The payload as one int, first bit highest, less the fill bits.
    data = payload.encode()
    rem = len(data) & 3
    if rem:
        v = int.from_bytes(a2b_base64(data.translate(TO_B64) + _PAD[rem]), "big")
        v >>= 6 * (4 - rem) + fill
    else:
        v = int.from_bytes(a2b_base64(data.translate(TO_B64)), "big") >> fill
    if kind == 27:
        # ITU-R M.1371-5 table 84 (msg 27), bits 0-93 with bit 93 lowest: mmsi 8-37;
        # lon 44-61 and lat 62-78 in 1/10 min, signed; SOG 79-84 kn; COG 85-93 degrees.
        w = v >> (n - 94)
        lon_i = (w >> 32) & 0x3FFFF
        lat_i = (w >> 15) & 0x1FFFF
        lon_i -= (lon_i & 0x20000) << 1
        lat_i -= (lat_i & 0x10000) << 1
        # pyais to_lat_lon_600: round(i / 600, 6) as integer arithmetic
        return (
            kind,
            (w >> 56) & 0x3FFFFFFF,
            ((10000 * lon_i + 3) // 6) / 1e6,
            ((10000 * lat_i + 3) // 6) / 1e6,
            float((w >> 9) & 0x3F),
            float(w & 0x1FF),
            None,
        )
    # Bits 0-127 with bit 127 lowest (18/19 may stop at 124: zeros below, never read).
    w = v >> (n - 128) if n >= 128 else v << (128 - n)
    if kind < 4:
        # Types 1-3 (table 45): SOG 50-59, lon 61-88, lat 89-115, COG 116-127.
        sog_i = (w >> 68) & 0x3FF
        lon_i = (w >> 39) & 0xFFFFFFF
        lat_i = (w >> 12) & 0x7FFFFFF
        cog_i = w & 0xFFF
    else:
        # Types 18/19 (tables 89/90): SOG 46-55, lon 57-84, lat 85-111, COG 112-123.
        sog_i = (w >> 72) & 0x3FF
        lon_i = (w >> 43) & 0xFFFFFFF
        lat_i = (w >> 16) & 0x7FFFFFF
        cog_i = (w >> 4) & 0xFFF
    # lon/lat in 1/10,000 min, signed; SOG and COG in tenths; mmsi bits 8-37.
    lon_i -= (lon_i & 0x8000000) << 1
    lat_i -= (lat_i & 0x4000000) << 1
    name = None
    if kind == 19 and n >= NAME_END_19:
        chars = [_TEXT[(v >> (n - s - 6)) & 63] for s in range(143, 263, 6)]
        name = "".join(chars).rstrip("@").strip() or None
    # pyais to_lat_lon: round(i / 600000, 6) as integer arithmetic; to_speed/to_10th: / 10
    return (
        kind,
        (w >> 90) & 0x3FFFFFFF,
        ((10 * lon_i + 3) // 6) / 1e6,
        ((10 * lat_i + 3) // 6) / 1e6,
        sog_i / 10.0,
        cog_i / 10.0,
        name,
    )
