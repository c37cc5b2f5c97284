"""How fast the explorer is in a real browser: page load to all panels drawn, slider move to repaint.

Serves each workload with the ``rlexplore`` command, as a user runs it (Voila behind it), and
drives Debian's Chromium with Playwright. For each workload it measures, over several fresh
page loads:

* **page load → all panels drawn**: from ``page.goto`` until every panel holds its lines;
* **slider move → repaint**: from the mouse-up that releases the smoothing slider until the
  last smoothed line of every panel has been redrawn (a MutationObserver time-stamps each
  ``d`` change in the page; no polling delay is counted);
* **legend click → repaint** and **brush → every panel zoomed**, the same way.

The gesture's end is the ``pointerup``/``mouseup`` seen by a listener on ``window`` in the
capture phase: d3-brush stops the mouse-up there, so a listener on ``document`` never hears
the end of a brush. The page waits for a quiet period (twice the longest pause between
redraws, at least 400 ms) before reading the last redraw back: a line's new path (``d``) or
new style (a run toggle that keeps the y range only changes row opacities). Each row also
gives the time to the first line redrawn (when the kernel's answer starts to arrive) and the
most ``d`` writes any one line received for the gesture (1: one redraw per line; 0: none was
needed).

Workloads: ``demo`` is ``rlexplore demo methods`` (3 runs × 4 metrics × 4000 steps);
``sweep`` is ``rlexplore view`` on 16 runs × 8 metrics × 20,000 steps (2.56 million points) of
TensorBoard event files, written once by tensorboardX into ``benchmarks/.cache/``. Page load
counts everything a user waits for: the kernel reading the logs, the explorer built, every
panel drawn.

Run (it prints a table; it is not a test)::

    nice .venv/bin/python benchmarks/bench_browser.py --repeats 5
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "cli"), str(ROOT / "tests" / "browser")]

from explorer_page import drag_brush, drag_slider, open_app  # noqa: E402
from rlx_serving import jupyter_env, start_cli, stop  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"

# the command each workload serves (as a user runs it); the sweep's logs are written first
WORKLOADS = {
    "demo": lambda cache: ["demo", "methods"],
    "sweep": lambda cache: ["view", str(sweep_logs(cache))],
}
SWEEP = (16, 8, 20_000)  # runs, metrics, steps


def _write_sweep_run(args: tuple[str, int, int, int]) -> None:
    from tensorboardX import SummaryWriter

    logdir, run, metrics, steps = args
    values = np.random.default_rng(run).standard_normal((steps, metrics)).cumsum(axis=0)
    writer = SummaryWriter(os.path.join(logdir, f"run-{run:02d}"), max_queue=100_000)
    for step in range(steps):
        for k in range(metrics):
            writer.add_scalar(
                f"actor/metric_{k}", float(values[step, k]), step, walltime=1.7e9 + step
            )
    writer.close()


def sweep_logs(cache: Path) -> Path:
    """The sweep as TensorBoard event files written by tensorboardX, once (kept in `cache`)."""
    runs, metrics, steps = SWEEP
    logdir = cache / f"browser_sweep_{runs}x{metrics}x{steps}"
    if (logdir / "COMPLETE").exists():
        return logdir
    shutil.rmtree(logdir, ignore_errors=True)
    logdir.mkdir(parents=True)
    print(f"# writing the sweep once with tensorboardX into {logdir} ...", flush=True)
    with mp.get_context("spawn").Pool(os.cpu_count() or 1) as pool:
        pool.map(_write_sweep_run, [(str(logdir), r, metrics, steps) for r in range(runs)])
    (logdir / "COMPLETE").write_text("ok\n")
    return logdir


# Time-stamps, in page time, of the latest change of each drawn line's path and of the last mouse-up.
OBSERVE_JS = """() => {
  const rlx = window.__rlx = {changed: new Map(), writes: new Map(), after: new Set(), mouseup: 0, pauses: [0],
                              last: 0, waiting: null};
  const end = () => { rlx.mouseup = performance.now(); };
  for (const kind of ['pointerup', 'mouseup', 'click']) window.addEventListener(kind, end, true);
  new MutationObserver(records => {
    const now = performance.now();
    for (const r of records) if (r.target.matches && r.target.matches('path.line')) {
      rlx.changed.set(r.target, now);  // a new path, or a new style (a row shown or hidden)
      if (r.attributeName === 'd') rlx.writes.set(r.target, (rlx.writes.get(r.target) || 0) + 1);
      if (rlx.mouseup && now > rlx.mouseup) rlx.after.add(r.target);
    }
    if (rlx.last > rlx.mouseup) rlx.pauses.push(now - rlx.last);
    rlx.last = now;
    if (rlx.waiting) rlx.waiting();
  }).observe(document.body, {attributes: true, attributeFilter: ['d', 'style'], subtree: true});
}"""
# Resolves once `expect` lines changed after the mouse-up and the page then stayed quiet (twice
# the longest pause between redraws, at least 400 ms): waited for in the page, not polled, so
# the measuring costs the page nothing while it works.
SETTLED_JS = """([expect, timeout]) => new Promise((resolve, reject) => {
  const rlx = window.__rlx, t0 = performance.now();
  const quiet = () => {
    const wait = Math.max(400, 2 * Math.max(...rlx.pauses));
    const since = performance.now() - rlx.last;
    if (since >= wait) resolve(true); else setTimeout(quiet, wait - since + 1);
  };
  rlx.waiting = () => {
    if (rlx.after.size >= expect) { rlx.waiting = null; quiet(); }
  };
  rlx.waiting();
  setTimeout(() => { if (rlx.waiting) { rlx.waiting = null; reject(new Error(
    `only ${rlx.after.size} of ${expect} lines redrawn in ${timeout} ms`)); } }, timeout);
})"""
SINCE_JS = """() => {
  const lines = [...document.querySelectorAll('.rlx-panel path.line')].filter(l => !l.closest('g[style*="display: none"]'));
  const t0 = window.__rlx.mouseup;
  const times = lines.map(l => window.__rlx.changed.get(l) || 0);
  const writes = lines.map(l => window.__rlx.writes.get(l) || 0);
  const after = times.filter(t => t > t0);
  return {t0, n: lines.length, updated: after.length, last: Math.max(...times), first: Math.min(...after),
          writes: Math.max(...writes), pause: Math.max(...window.__rlx.pauses)};
}"""
RESET_JS = """() => { const r = window.__rlx; r.changed.clear(); r.writes.clear(); r.after.clear();
                     r.pauses = [0]; r.mouseup = 0; }"""


def repaint_after(page, action, expect_updates: int) -> tuple[float, float, int]:
    """Run `action` (a mouse gesture); return ms from its mouse-up to the last line redrawn,
    ms to the first (the kernel's answer arriving), and the most redraws of one line.
    """
    page.evaluate(RESET_JS)
    action()
    page.evaluate(SETTLED_JS, [expect_updates, 60_000])
    info = page.evaluate(SINCE_JS)
    return info["last"] - info["t0"], info["first"] - info["t0"], info["writes"]


def measure(browser, url: str) -> dict[str, float]:
    """One fresh page load and its three gestures."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.rlx_errors = []
    start = time.perf_counter()
    open_app(page, url, timeout=300)
    out = {"page load → all panels drawn": (time.perf_counter() - start) * 1000}
    page.wait_for_timeout(1500)  # the page reports its width once: that redraw is not a gesture's
    page.evaluate(OBSERVE_JS)
    # the lines drawn (not the hidden hover rules): half of them smoothed
    smoothed = (
        page.evaluate(
            """() => [...document.querySelectorAll('.rlx-panel path.line')]
                 .filter(l => !l.closest('g[style*="display: none"]')).length"""
        )
        // 2
    )
    for name, action, expect in (
        ("slider move → repaint", lambda: drag_slider(page, ".rlx-smoothing", 0.95), smoothed),
        ("legend click → repaint", page.locator(".rlx-legend-entry").first.click, 1),
        ("brush → every panel zoomed", lambda: drag_brush(page, 0, 0.3, 0.6), smoothed),
    ):
        last, first, writes = repaint_after(page, action, expect)
        out[name], out[f"{name} (first line)"] = last, first
        out[f"{name} (redraws per line)"] = writes
    context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh page loads per workload")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="rlx-bench-browser-"))
    chromium = os.environ.get("RLX_CHROMIUM", "/usr/bin/chromium")
    print(
        f"# bench_browser: Voila + Chromium ({chromium}), {args.repeats} page loads per workload, {os.cpu_count()} cores"
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium, args=["--disable-gpu", "--disable-dev-shm-usage"]
        )
        for workload in args.workloads:
            command = [*WORKLOADS[workload](CACHE), "--port", "0"]
            t0 = time.perf_counter()
            served = start_cli(command, tmp / f"{workload}.log", jupyter_env(tmp / "jupyter"))
            ready = (time.perf_counter() - t0) * 1000
            try:
                rows = [measure(browser, served.url) for _ in range(args.repeats)]
            finally:
                stop(served)
            print(
                f"\n## {workload}: `rlexplore {' '.join(command[:-2])}` (server ready in {ready:.0f} ms)"
            )
            print(
                f"| {'measure':<28} | median ms | min ms | max ms |\n|{'-' * 30}|----------:|-------:|-------:|"
            )
            for key in rows[0]:
                values = [r[key] for r in rows]
                print(
                    f"| {key:<28} | {statistics.median(values):9.0f} | {min(values):6.0f} | {max(values):6.0f} |"
                )
        browser.close()


if __name__ == "__main__":
    main()
