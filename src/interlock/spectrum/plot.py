"""A receiver's I/N over time as a PNG: the picture a spectrum manager asks for first.

Pure rendering (matplotlib's Agg canvas into bytes, no files, no display): the timeline's
slices as a step line, the protection criterion as a red line, the slices above it shaded.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np

from .interference import Timeline

FLOOR_DB = -60.0  # where "nothing heard" (-inf) is drawn, and the lowest axis value


def plot_png(timeline: Timeline, title: str) -> bytes:
    """The I/N step plot of one receiver, with its criterion drawn, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.dates import DateFormatter
    from matplotlib.figure import Figure

    starts = [datetime.fromtimestamp(t, UTC) for t in timeline.starts.tolist()]
    ends = [datetime.fromtimestamp(t, UTC) for t in timeline.ends.tolist()]
    values = np.where(np.isfinite(timeline.i_n_db), timeline.i_n_db, FLOOR_DB)
    values = np.maximum(values, FLOOR_DB)
    fig = Figure(figsize=(9, 3.6), dpi=100, layout="constrained")
    ax = fig.subplots()
    # The ignores below: matplotlib plots datetimes through its units registry, but its
    # stubs type the x data as numbers only.
    if starts:
        xs = [*starts, ends[-1]]
        ys = [*values.tolist(), float(values[-1])]
        ax.step(xs, ys, where="post", color="#1f4e79", lw=1.6, label="aggregate I/N")  # type: ignore[arg-type]
        over = values > timeline.criterion_db
        for s, e, v, o in zip(starts, ends, values.tolist(), over.tolist(), strict=True):
            if o:
                ax.fill_between([s, e], timeline.criterion_db, v, color="#d62728", alpha=0.35)  # type: ignore[arg-type]
        ax.set_xlim(starts[0], ends[-1])  # type: ignore[arg-type]
    ax.axhline(
        timeline.criterion_db,
        color="#d62728",
        lw=1.4,
        ls="--",
        label=f"criterion {timeline.criterion_db:g} dB",
    )
    top = max(float(values.max()) if len(values) else FLOOR_DB, timeline.criterion_db) + 5.0
    ax.set_ylim(FLOOR_DB, top)
    ax.set_ylabel("I/N (dB)")
    ax.set_xlabel("time (UTC)")
    ax.xaxis.set_major_formatter(DateFormatter("%d %H:%M"))
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()
