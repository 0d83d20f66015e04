"""The fast canonical form is the `rfc8785` library's, byte for byte and error for error.

Hashes and signatures already in ledgers were made with `rfc8785`, and other parties check
them with their own RFC 8785 encoders: one differing byte would call a sound record
tampered (or make a signature nobody else can check).
"""

from __future__ import annotations

import enum
import json
import math
import random
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given, settings
from hypothesis import strategies as st

from interlock.codec.canonical import canonical, canonical_ready, number, prepare, render
from interlock.errors import InvalidInput

SAFE = 2**53 - 1  # RFC 8785 / I-JSON: integers beyond are refused


def reference(value: Any) -> bytes | type[Exception]:
    """What rfc8785 makes of `value`: its bytes, or the kind of error."""
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError, ValueError):
        return InvalidInput
    except RecursionError:
        return RecursionError


def ours(value: Any) -> bytes | type[Exception]:
    try:
        return canonical(value)
    except InvalidInput:
        return InvalidInput
    except RecursionError:
        return RecursionError


# Keys that sort differently by UTF-16 code unit (RFC 8785) and by code point (orjson):
# U+E000..U+FFFF sort after a surrogate pair in UTF-16, before it by code point.
TRICKY_KEYS = ["", "a", "A", "é", "\u20ac", "\ue000", "\uffff", "\U00010000", "\U0001f600", "\x7f"]

floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [1e21, 1e-7, 1e-6, -0.0, 0.0, 5e-324, -5e-324, 1e16, 1e15 + 0.5, 2.0**60, 2.0**53, 1e300]
)
integers = st.integers(-(2**53), 2**53) | st.integers(-(2**64), 2**64)
strings = st.text() | st.sampled_from(TRICKY_KEYS)
keys = st.text(max_size=6) | st.sampled_from(TRICKY_KEYS)
json_values = st.recursive(
    st.none() | st.booleans() | integers | floats | strings,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(keys, inner, max_size=6)
        | st.tuples(inner, inner)
    ),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(json_values)
@example({"\ue000": 1, "\U0001f600": 2})
@example({"\uffff": 1.0, "\U00010000": [-0.0, 1e21]})
@example([2**53 - 1, -(2**53 - 1)])
@example([2**53])
@example({"a": 1e-7, "b": 5e-324, "c": 1e21, "d": 1e20})
@example([9007199254740991.0, 9007199254740992.0, -9007199254740991.0, -9007199254740992.0])
@example([4503599627370495.5, 1e15, 123.0, -0.0, 0.0, 1e22, 2.0**70, -(2.0**60)])
def test_equals_rfc8785_for_any_json_value(value: Any) -> None:
    assert ours(value) == reference(value)
    if isinstance(ours(value), bytes):
        content, _ = canonical_ready(value)
        assert content == ours(value)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, json_values, min_size=1, max_size=4))
def test_rendering_a_prepared_part_equals_canonicalising_it(value: dict[str, Any]) -> None:
    """What the ledger verifier relies on to sign-check an envelope inside an event."""
    try:
        ready = prepare({"outer": value})
    except Exception:  # needs the reference encoder: nothing to compare
        return
    part = render(ready["outer"])
    if part is not None:
        assert part == rfc8785.dumps(value)


# RFC 8785 appendix B: IEEE-754 bit patterns and their ECMAScript form.
APPENDIX_B = {
    "0000000000000000": "0",
    "8000000000000000": "0",
    "0000000000000001": "5e-324",
    "8000000000000001": "-5e-324",
    "7fefffffffffffff": "1.7976931348623157e+308",
    "ffefffffffffffff": "-1.7976931348623157e+308",
    "4340000000000000": "9007199254740992",
    "c340000000000000": "-9007199254740992",
    "4430000000000000": "295147905179352830000",
    "44b52d02c7e14af5": "9.999999999999997e+22",
    "44b52d02c7e14af6": "1e+23",
    "44b52d02c7e14af7": "1.0000000000000001e+23",
    "444b1ae4d6e2ef4e": "999999999999999700000",
    "444b1ae4d6e2ef4f": "999999999999999900000",
    "444b1ae4d6e2ef50": "1e+21",
    "3eb0c6f7a0b5ed8c": "9.999999999999997e-7",
    "3eb0c6f7a0b5ed8d": "0.000001",
    "41b3de4355555553": "333333333.3333332",
    "41b3de4355555554": "333333333.33333325",
    "41b3de4355555555": "333333333.3333333",
    "41b3de4355555556": "333333333.3333334",
    "41b3de4355555557": "333333333.33333343",
    "becbf647612f3696": "-0.0000033333333333333333",
    "43143ff3c1cb0959": "1424953923781206.2",
}


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B.items())
def test_rfc8785_appendix_b_numbers(bits: str, text: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert number(value) == text.encode() == rfc8785.dumps(value)


def test_numbers_over_every_binary_exponent() -> None:
    rnd = random.Random(8785)
    values = []
    for exponent in range(-1074, 1024):
        for _ in range(10):
            values.append(math.ldexp(1 + rnd.random(), exponent))
        values.append(float(rnd.getrandbits(max(1, min(exponent, 1023)))))  # integral
    for _ in range(50_000):  # uniform over bit patterns: subnormals and all
        values.append(struct.unpack("<d", rnd.getrandbits(64).to_bytes(8, "little"))[0])
    for value in values:
        if math.isfinite(value):
            for v in (value, -value):
                assert number(v) == rfc8785.dumps(v), v
                assert canonical(v) == rfc8785.dumps(v), v  # the int and fragment paths too


class Colour(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    HIGH = 3


class Side(enum.StrEnum):
    BLUE = "blue"


class Dict(dict):  # type: ignore[type-arg]
    pass


class Float(float):
    pass


@pytest.mark.parametrize(
    "value",
    [
        {"x": float("nan")},
        [float("inf")],
        {"x": -float("inf")},
        2**53,
        -(2**53),
        {"n": 2**64},
        {1: "non-string key"},
        {"s": "lone surrogate \ud800"},
        {"\udfff": 1},
        {"e": Colour.RED},  # orjson would write 1: the reference refuses it
        {"l": Level.HIGH},
        {"s": Side.BLUE},
        Dict(b=1, a=2.5),
        [Float(1.5), Float(2.0)],
        {"set": {1, 2}},
        (1, [2.5, (3,)]),
        b"bytes",
        json.loads('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}'),
    ],
)
def test_edge_values_get_the_reference_bytes_or_error(value: Any) -> None:
    assert ours(value) == reference(value)


def test_deep_nesting_gets_the_reference_result() -> None:
    # orjson stops at 255 levels: the reference takes over (and agrees).
    for depth in (10, 254, 256, 400):
        value: Any = 1.5
        for i in range(depth):
            value = [value] if i % 2 else {"k": value}
        assert ours(value) == reference(value)
