"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme): the bytes that get signed.

Two parties must hash and sign the very same bytes for the same statement, whatever their
JSON library's key order or number formatting; JCS fixes both (sorted keys, ECMAScript
number form, UTF-8, no insignificant white space).

The reference encoder (``rfc8785``, pure Python) costs ~70 us for a hotline message, which
alone would cap ``interlock audit verify`` far below its target. So the bytes are made by
orjson, which already agrees with RFC 8785 byte for byte on everything but two points:

- numbers: orjson writes floats its own way (``1.0``, ``1e+16``, ``-0.0``), so each float is
  first replaced by its ECMAScript form (exact: the shortest round-trip digits from
  ``repr``, laid out as ECMA-262 Number::toString says) as an ``orjson.Fragment``, or as
  the int it equals when integral below 2**53; integers are limited to +-(2**53 - 1) by
  ``OPT_STRICT_INTEGER`` exactly as ``rfc8785`` limits them. orjson's own float digits
  are not relied on (they are the same shortest digits in every test, but nothing
  guarantees it);
- key order: orjson sorts by code point, RFC 8785 by UTF-16 code unit. The two differ only
  when one key holds a character in U+E000..U+FFFF where another holds one above U+FFFF,
  so output with no UTF-8 lead byte 0xEE..0xF4 is safe.

Everything else (string escapes, separators, ``true``/``false``/``null``) is identical, and
any input outside that envelope — NaN, big integers, non-JSON or subclassed types, lone
surrogates, such keys — goes to ``rfc8785`` itself, so output and errors stay the
reference's (tests/ledger/test_fast_canonical.py checks this property).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import orjson
import rfc8785

from ..errors import InvalidInput

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_PLAIN = frozenset({str, int, bool, type(None)})  # what orjson writes exactly as JCS does
_NESTED = frozenset({dict, list, tuple})
_SAFE = float(2**53)
# A UTF-8 lead byte of U+E000 and above: only then may code-point and UTF-16 key orders differ.
_WIDE = re.compile(rb"[\xee-\xf4]")


class _Slow(Exception):
    """The value needs the reference encoder (its output or its error)."""


def number(value: float) -> bytes:
    """The ECMAScript form of a finite float (RFC 8785 section 3.2.2.3, ECMA-262
    Number::toString): the shortest round-trip digits (Python's repr finds the same ones),
    positional from 1e-6 to below 1e21, exponent form outside."""
    if value == 0.0:
        return b"0"  # -0 too
    text = repr(value)
    if "e" not in text:
        if "n" in text:  # inf, nan
            raise _Slow
        # repr is positional for 1e-4 <= |x| < 1e16, where ECMAScript is too, with the
        # same digits; only the ".0" of integral values goes.
        return (text[:-2] if text.endswith(".0") else text).encode()
    sign = "-" if text[0] == "-" else ""
    mantissa, _, exponent = text.lstrip("-").partition("e")
    digits = mantissa.replace(".", "").rstrip("0")
    k, n = len(digits), int(exponent) + 1  # value = 0.digits * 10**n
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * -n + digits
    else:
        e = n - 1
        head = digits if k == 1 else digits[0] + "." + digits[1:]
        out = f"{head}e{'+' if e > 0 else '-'}{abs(e)}"
    return (sign + out).encode()


def _float(value: float) -> Any:
    """What orjson writes as the ECMAScript form of `value`: an integral value below 2**53
    as the int it equals (the shortest digits of such a double are all of its digits: no
    other integer lies within half a unit of it), anything else as a fragment."""
    if value.is_integer() and -_SAFE < value < _SAFE:
        return int(value)
    text = repr(value)
    if "e" in text or "n" in text or text.endswith(".0"):  # exponent, inf/nan, integral
        return orjson.Fragment(number(value))
    return orjson.Fragment(text.encode())  # positional and fractional: what `number` gives


def _ready(value: Any) -> Any:
    """`value` (a dict, list or tuple) with every float as a JCS fragment, sharing every
    part that holds none. Raises _Slow on any type orjson would not write exactly as
    RFC 8785 does (subclasses included: they go to the reference)."""
    if type(value) is dict:
        out: dict[Any, Any] | None = None
        for k, v in value.items():
            t = type(v)
            if t in _PLAIN:
                continue
            if t is float:
                w = _float(v)
            elif t in _NESTED:
                w = _ready(v)
                if w is v:
                    continue
            else:
                raise _Slow
            if out is None:
                out = value.copy()
            out[k] = w
        return value if out is None else out
    copy: list[Any] | None = None
    for i, v in enumerate(value):
        t = type(v)
        if t in _PLAIN:
            continue
        if t is float:
            w = _float(v)
        elif t in _NESTED:
            w = _ready(v)
            if w is v:
                continue
        else:
            raise _Slow
        if copy is None:
            copy = list(value)
        copy[i] = w
    return value if copy is None else copy


def prepare(obj: Any) -> Any:
    """`obj` in a form `render` writes as RFC 8785 (floats as fragments); raises _Slow
    where only the reference encoder will do. Lets a caller render parts of one value
    (an envelope inside an event) without walking it twice."""
    t = type(obj)
    if t in _NESTED:
        return _ready(obj)
    if t is float:
        return _float(obj)
    if t in _PLAIN:
        return obj
    raise _Slow


def render(ready: Any) -> bytes | None:
    """The RFC 8785 bytes of a `prepare`d value, or None where the reference must decide."""
    try:
        out = orjson.dumps(ready, option=_OPTIONS)
    except orjson.JSONEncodeError:  # big integers, non-string keys, lone surrogates, depth
        return None
    if out.isascii() or _WIDE.search(out) is None:
        return out
    return None  # a key order that UTF-16 might sort differently


def reference(obj: Any) -> bytes:
    """The `rfc8785` library's bytes (the definition this module must match)."""
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise InvalidInput(f"cannot be canonicalised (RFC 8785): {exc}", field="body") from None


def canonical(obj: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value; refuses NaN, infinities and non-JSON types."""
    try:
        out = render(prepare(obj))
    except (_Slow, RecursionError):  # the reference decides (and raises what it raised)
        out = None
    return out if out is not None else reference(obj)


def canonical_ready(obj: Any) -> tuple[bytes, Any]:
    """canonical(obj), and its `prepare`d form for rendering parts of it again (None when
    the reference encoder made the bytes)."""
    try:
        ready = prepare(obj)
        out = render(ready)
    except (_Slow, RecursionError):
        out = None
    return (out, ready) if out is not None else (reference(obj), None)


def digest(obj: Any) -> str:
    """SHA-256 (hex) of the canonical form."""
    return hashlib.sha256(canonical(obj)).hexdigest()
