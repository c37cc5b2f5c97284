"""Benchmark: memory while reading 1 GB of verl rollout dumps, against what is shown.

The workload (``--mb`` MB of ``<step>.jsonl`` dumps, written the way verl writes them: one
``json.dumps(..., ensure_ascii=False)`` per line) is written once into
benchmarks/.cache/ (git-ignored). Each variant then runs in a fresh process, which reports
its peak resident memory (``ru_maxrss``) and its baseline after imports:

1. rlexplore: ``open_samples(dir)`` (the index: no text kept), ``sample_metrics`` on the
   index, then ``rows(step=...)``: the samples of one step, as the samples view shows them;
2. naive pandas: ``pd.concat(pd.read_json(f, lines=True) for f in files)``, then the same step.

It prints each peak, the size of what is shown (the step's DataFrame, deep), and splits
rlexplore's peak above its baseline into 2 x shown + the rest (compare two --mb sizes: the
rest does not grow with the dumps).

    python benchmarks/bench_samples.py            # 1 GB
    python benchmarks/bench_samples.py --mb 100   # quicker
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS_PER_STEP = 512


def workload(mb: int) -> Path:
    """Write ``mb`` MB of verl dumps (100 steps) once; return the run directory."""
    root = HERE / ".cache" / f"samples_{mb}mb"
    out = root / "run" / "rollout"
    if (root / "done").exists():
        return root
    out.mkdir(parents=True, exist_ok=True)
    steps = 100
    per_row = mb * 1_000_000 // (steps * ROWS_PER_STEP)
    words = [
        "the",
        "policy",
        "writes",
        "a",
        "long",
        "answer",
        "with",
        "steps",
        "and",
        "a",
        "final",
        "result",
    ]
    for step in range(1, steps + 1):
        lines = []
        for i in range(ROWS_PER_STEP):
            text = " ".join(words[(i + k) % len(words)] for k in range(per_row // 5))[
                : per_row - 200
            ]
            rec = {
                "input": f"Question {i}: é ✓",
                "output": text,
                "gts": str(i),
                "score": (i % 7) / 7,
                "step": step,
                "acc": i % 2 == 0,
            }
            lines.append(json.dumps(rec, ensure_ascii=False))
        (out / f"{step}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "done").write_text("")
    return root


RLEXPLORE = """
import resource, sys, time
import rlexplore as rlx
from rlexplore.samples import open_samples
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
src = open_samples(sys.argv[1])
metrics = rlx.sample_metrics(src.index)
shown = src.rows("run", 50)
t = time.perf_counter() - t
index = int(src.index.memory_usage(deep=True).sum())
size = int(shown.memory_usage(deep=True).sum())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(base, peak, size, index, len(shown), t)
"""

NAIVE = """
import resource, sys, time
from pathlib import Path
import pandas as pd
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter()
files = sorted(Path(sys.argv[1]).rglob("*.jsonl"))
df = pd.concat([pd.read_json(f, lines=True) for f in files], ignore_index=True)
shown = df[df["step"] == 50]
t = time.perf_counter() - t
size = int(shown.memory_usage(deep=True).sum())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(base, peak, size, 0, len(shown), t)
"""


def run(code: str, root: Path) -> tuple[int, int, int, int, int, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True
    )
    b, p, s, i, n, t = out.stdout.split()
    return int(b), int(p), int(s), int(i), int(n), float(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=1000)
    parser.add_argument("--skip-naive", action="store_true")
    a = parser.parse_args()
    t = time.perf_counter()
    root = workload(a.mb)
    size = sum(p.stat().st_size for p in root.rglob("*.jsonl"))
    print(
        f"workload: {size / 1e6:,.0f} MB of verl dumps in {root} ({time.perf_counter() - t:.0f} s to prepare)"
    )
    mib = 1 / 2**20
    b, p, s, i, n, secs = run(RLEXPLORE, root)
    ours = p - b
    print(
        f"rlexplore open_samples + sample_metrics + rows(step=50): {secs:.1f} s, peak {p * mib:,.0f} MiB "
        f"({ours * mib:,.0f} above the {b * mib:,.0f} MiB after imports); shown {n} rows = {s * mib:,.1f} MiB; "
        f"index {i * mib:,.1f} MiB"
    )
    print(
        f"peak above baseline = 2 x shown ({2 * s * mib:,.0f} MiB) + {(ours - 2 * s) * mib:,.0f} MiB "
        f"(the index, one file being parsed, allocator slack); run with --mb 50 to see the constant part"
    )
    if not a.skip_naive:
        nb, np_, ns, _, nn, nsecs = run(NAIVE, root)
        print(
            f"naive pandas read_json of every file: {nsecs:.1f} s, peak {np_ * mib:,.0f} MiB "
            f"({(np_ - nb) * mib:,.0f} above baseline); shown {nn} rows"
        )
        print(f"memory ratio naive / rlexplore (above baseline): {(np_ - nb) / max(ours, 1):.1f}x")


if __name__ == "__main__":
    main()
