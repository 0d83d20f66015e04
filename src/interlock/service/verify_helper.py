"""A signature-checking helper process for `interlock.service.verify`.

Kept apart so that a helper imports the envelope module only (~0.1 s). The greeting tells
a helper that runs this very code from anything else `sys.executable` might start.
"""

from __future__ import annotations

import marshal
import sys

GREETING = b"interlock signature checks 1\n"


def serve_checks() -> None:
    """Greet on stdout, then read batches of jobs for `envelope.first_invalid` from stdin
    (4-byte big-endian length, the list in `marshal` form) and answer each (8-byte signed
    big-endian each: the batch's first position, then the first bad one or -1), until the
    input ends."""
    from ..ledger.envelope import first_invalid

    read, out = sys.stdin.buffer.read, sys.stdout.buffer
    out.write(GREETING)
    out.flush()
    try:
        while len(head := read(4)) == 4:
            jobs = marshal.loads(read(int.from_bytes(head, "big")))
            bad = first_invalid(jobs)
            first = jobs[0][0] if jobs else -1
            out.write(first.to_bytes(8, "big", signed=True))
            out.write((-1 if bad is None else bad).to_bytes(8, "big", signed=True))
            out.flush()
    except BrokenPipeError:  # the caller is gone: nothing to answer
        pass
