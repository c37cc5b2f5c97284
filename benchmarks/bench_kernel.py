"""The kernel's side of a gesture on 80M points, against a hand-wired bqplot page.

Data: 10 runs x 8 metrics x 1M steps (float64 random walks), every run shown, 4 panels to
a row of 1200 px. Two gestures, each measured from the widget message's arrival to the
last widget update sent (messages are serialized and counted, as a kernel would send them):

* smoothing change: the slider's new value (a new weight each time: no cache hit), on the
  full view;
* zoom: a brush released on a 10,000-step window (from the full view).

The peer is what one would wire by hand: one bqplot Figure per metric with the runs as
rows of a raw and a smoothed ``Lines`` mark, TensorBoard's EMA by ``scipy.signal.lfilter``
(plus its debias division), and ``tsdownsample``'s M4 to 4 points per pixel column. Both
run in this process, alternating, and the ratio is printed (below 1: the explorer is faster).

Run: ``python benchmarks/bench_kernel.py [--steps 1000000] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import xarray as xr
from _wire import WireMeter, _CountingComm

RUNS, METRICS, ROW_PX, COLUMNS, PLOT_MARGIN = 10, 8, 1200, 4, 72


def dataset(steps: int) -> xr.Dataset:
    rng = np.random.default_rng(0)
    values = np.empty((RUNS, METRICS, steps))
    for r in range(RUNS):
        for m in range(METRICS):
            values[r, m] = np.cumsum(rng.standard_normal(steps)) * 0.01 + m
    return xr.Dataset(
        {"value": (("run", "metric", "step"), values)},
        coords={
            "run": [f"run-{r}" for r in range(RUNS)],
            "metric": [f"train/metric_{m}" for m in range(METRICS)],
            "step": np.arange(steps),
        },
    )


class LineClock:
    """Stamps the time of the last message that moves a line (its data or a scale)."""

    last = 0.0

    @classmethod
    def install(cls) -> None:
        publish = _CountingComm.publish_msg

        def stamped(self, msg_type, data=None, metadata=None, buffers=None, **keys):
            state = (data or {}).get("state", {})
            if {"x", "y", "min", "max"} & set(state):
                cls.last = time.perf_counter()
            return publish(self, msg_type, data, metadata, buffers, **keys)

        _CountingComm.publish_msg = stamped


class Peer:
    """The hand-wired page: bqplot + scipy.signal.lfilter + tsdownsample M4."""

    def __init__(self, ds: xr.Dataset) -> None:
        import bqplot as bq

        self.steps = ds.step.values.astype(np.float64)
        self.values = ds.value.values
        self.width = (ROW_PX - 6 * (COLUMNS - 1)) // COLUMNS - PLOT_MARGIN
        self.x = bq.LinearScale(min=self.steps[0], max=self.steps[-1])
        self.raw, self.smooth, self.figures, self.smoothed = [], [], [], {}
        self.window = (0, self.steps.size)
        for _m in range(METRICS):
            y = bq.LinearScale()
            raw = bq.Lines(x=np.zeros(2), y=np.zeros(2), scales={"x": self.x, "y": y})
            smooth = bq.Lines(x=np.zeros(2), y=np.zeros(2), scales={"x": self.x, "y": y})
            self.raw.append(raw)
            self.smooth.append(smooth)
            self.figures.append(bq.Figure(marks=[raw, smooth]))
        self.set_smoothing(0.6)
        self.zoom(None)

    def ema(self, x: np.ndarray, w: float, debias: np.ndarray) -> np.ndarray:
        from scipy.signal import lfilter

        last = lfilter([1 - w], [1, -w], x)
        return np.divide(last, debias, out=last)

    def m4(self, lo: int, hi: int, y: np.ndarray) -> np.ndarray:
        from tsdownsample import M4Downsampler

        if hi - lo <= 4 * self.width:
            return np.arange(lo, hi)
        return lo + M4Downsampler().downsample(self.steps[lo:hi], y[lo:hi], n_out=4 * self.width)

    def draw(self, marks, rows, window) -> None:
        lo, hi = window
        for m, mark in enumerate(marks):
            picks = [self.m4(lo, hi, rows[(r, m)]) for r in range(RUNS)]
            n = max(len(p) for p in picks)
            picks = [np.concatenate([p, np.full(n - len(p), p[-1])]) for p in picks]
            with mark.hold_sync():
                mark.x = np.array([self.steps[p] for p in picks])
                mark.y = np.array([rows[(r, m)][p] for r, p in enumerate(picks)])

    def set_smoothing(self, w: float) -> None:
        debias = 1 - w ** np.arange(1, self.steps.size + 1)  # once for every series
        self.smoothed = {
            (r, m): self.ema(self.values[r, m], w, debias)
            for r in range(RUNS)
            for m in range(METRICS)
        }
        self.draw(self.smooth, self.smoothed, self.window)

    def zoom(self, step_range) -> None:
        if step_range is None:
            self.window = (0, self.steps.size)
        else:
            self.window = tuple(int(i) for i in np.searchsorted(self.steps, step_range))
        raw = {(r, m): self.values[r, m] for r in range(RUNS) for m in range(METRICS)}
        self.draw(self.raw, raw, self.window)
        self.draw(self.smooth, self.smoothed, self.window)
        with self.x.hold_sync():
            lo, hi = step_range or (self.steps[0], self.steps[-1])
            self.x.min, self.x.max = float(lo), float(hi)


def brush(ex, lo: float, hi: float) -> None:
    b = ex.panels[0].brush
    b.brushing = True
    b.selected = np.array([lo, hi])
    b.brushing = False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    meter = WireMeter().install()
    LineClock.install()
    import rlexplore as rlx

    ds = dataset(args.steps)
    t = time.perf_counter()
    ex = rlx.Explorer(ds, columns=COLUMNS)
    opened = time.perf_counter() - t
    peer = Peer(ds)
    print(
        f"{RUNS} runs x {METRICS} metrics x {args.steps:,} steps; explorer opened in {opened:.2f} s"
    )
    print("ms: to the last line or scale message sent (and to the end of the callback, which")
    print("also renders the summary table)")
    print(
        f"{'gesture':<20}{'explorer ms':>12}{'(callback)':>11}{'peer ms':>9}{'ratio':>7}"
        f"{'explorer KB':>13}{'peer KB':>9}"
    )
    rows = []
    weights = iter(np.linspace(0.70, 0.98, 4 * args.repeats + 4).round(4).tolist())
    slider = ex.controls.smoothing
    for name, ours, theirs, setup in (
        (
            "smoothing change",
            lambda w: slider.set_state({"value": w}),
            lambda w: peer.set_smoothing(w),
            None,
        ),
        (
            "zoom to 10k steps",
            lambda lo: brush(ex, lo, lo + 10_000.0),
            lambda lo: peer.zoom((lo, lo + 10_000.0)),
            lambda: (ex.state.reset_range(), peer.zoom(None)),
        ),
    ):
        times = {"explorer": [], "peer": []}
        lines = {"explorer": [], "peer": []}
        sent = {"explorer": [], "peer": []}
        for i in range(args.repeats + 1):
            arg = next(weights) if setup is None else float(args.steps * (0.05 + 0.09 * i) // 1)
            for who, act in (("explorer", ours), ("peer", theirs)):
                if setup is not None:
                    setup()
                meter.reset()
                start = time.perf_counter()
                act(arg)
                if i:  # the first round warms up
                    times[who].append((time.perf_counter() - start) * 1e3)
                    lines[who].append((LineClock.last - start) * 1e3)
                    sent[who].append(meter.bytes / 1e3)
        total = {k: statistics.median(v) for k, v in times.items()}
        med = {k: statistics.median(v) for k, v in lines.items()}
        kb = {k: statistics.median(v) for k, v in sent.items()}
        rows.append((name, med["explorer"], med["peer"]))
        print(
            f"{name:<20}{med['explorer']:>12.0f}{total['explorer']:>11.0f}{med['peer']:>9.0f}"
            f"{med['explorer'] / med['peer']:>7.2f}{kb['explorer']:>13.0f}{kb['peer']:>9.0f}"
        )


if __name__ == "__main__":
    main()
