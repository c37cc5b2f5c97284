"""A fuzz test per reader: truncated, bit-flipped, re-encoded and oversized input.

Only `RLExploreError` may come out (a recorded warning is fine), nothing hangs (the
pytest-timeout of the suite), and every record the damage did not touch survives with
its value. Record k of each sample logs metric ``m<k>`` at step k, so one damaged record
cannot take the place of another.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlexplore as rlx

FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
N = 12


def value(k: int) -> float:
    return round(0.25 + k / 8, 3)


# One sample per line-based reader: (file name, header lines, record line of k).
LINE_FORMATS = {
    "jsonl": ("m.jsonl", [], lambda k: json.dumps({"step": k, f"m{k}": value(k)})),
    "verl_data": (
        "m.jsonl",
        [],
        lambda k: json.dumps({"step": k, "data": {f"m{k}": value(k)}}),
    ),
    "long csv": ("m.csv", ["run,metric,step,value"], lambda k: f"r,m{k},{k},{value(k)}"),
    "verl console": ("v.log", [], lambda k: f"(main_task pid=7) step:{k} - m{k}:{value(k)}"),
}


def records_of(path: Path) -> dict[tuple[str, int], float] | None:
    """{(metric, step): value} loaded from `path`; None when it loads nothing (RLExploreError)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rlx.RLExploreWarning)
        try:
            ds = rlx.load(path)
        except rlx.RLExploreError:
            return None
    rlx.validate(ds)
    frame = rlx.to_dataframe(ds)
    return dict(zip(zip(frame.metric, frame.step), frame.value))


def sample(fmt: str) -> tuple[str, list[bytes], list[bytes]]:
    name, header, line = LINE_FORMATS[fmt]
    return name, [h.encode() for h in header], [line(k).encode() for k in range(N)]


def assert_survive(got, keep: set[int]) -> None:
    assert got is not None or not keep
    for k in keep:
        assert got[(f"m{k}", k)] == pytest.approx(value(k)), k


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
@FUZZ
@given(cut=st.integers(0, 10_000))
def test_truncated(tmp_path, fmt, cut):
    name, header, lines = sample(fmt)
    blob = b"".join(x + b"\n" for x in header + lines)
    cut = min(cut, len(blob))
    (tmp_path / name).write_bytes(blob[:cut])
    got = records_of(tmp_path / name)
    # every record whose line (and the header) was wholly before the cut
    end = sum(len(h) + 1 for h in header)
    keep = set()
    for k, x in enumerate(lines):
        end += len(x) + 1
        if end <= cut:
            keep.add(k)
    assert_survive(got, keep)


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
@FUZZ
@given(data=st.data())
def test_bit_flipped(tmp_path, fmt, data):
    name, header, lines = sample(fmt)
    k = data.draw(st.integers(0, N - 1), label="record")
    line = bytearray(lines[k])
    i = data.draw(st.integers(0, len(line) - 1), label="byte")
    line[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    lines[k] = bytes(line)
    (tmp_path / name).write_bytes(b"".join(x + b"\n" for x in header + lines))
    assert_survive(records_of(tmp_path / name), set(range(N)) - {k})


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
@pytest.mark.parametrize("encoding", ["bom", "crlf", "bom+crlf", "latin-1 note", "utf-16"])
def test_re_encoded(tmp_path, fmt, encoding):
    name, header, lines = sample(fmt)
    text = "\n".join(x.decode() for x in header + lines) + "\n"
    if "latin-1" in encoding and fmt == "jsonl":  # a text field in another encoding
        text = text.replace('"step": 3,', '"note": "d\u00e9j\u00e0 vu", "step": 3,')
    if "crlf" in encoding:
        text = text.replace("\n", "\r\n")
    raw = text.encode(
        "utf-16" if encoding == "utf-16" else "latin-1" if "latin" in encoding else "utf-8"
    )
    if "bom" in encoding:
        raw = b"\xef\xbb\xbf" + raw
    (tmp_path / name).write_bytes(raw)
    got = records_of(tmp_path / name)
    if encoding == "utf-16":  # not a text format rlexplore reads: an error naming the file
        return
    assert_survive(got, set(range(N)))


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
@pytest.mark.parametrize("size", [1 << 16, 1 << 21])
def test_oversized_record(tmp_path, fmt, size):
    name, header, lines = sample(fmt)
    junk = b"x" * size
    if fmt in ("jsonl", "verl_data"):
        big = json.dumps({"step": 5, "text": junk.decode(), "m5": value(5)}).encode()
    elif fmt == "long csv":
        big = b"r,m5,5," + junk
    else:
        big = b"step:5 - m5:" + junk
    lines[5] = big
    lines.insert(0, b"x" * size if fmt == "verl console" else lines[0])  # a huge first line too
    (tmp_path / name).write_bytes(b"".join(x + b"\n" for x in header + lines))
    assert_survive(records_of(tmp_path / name), set(range(N)) - {5})


# ------------------------------------------------------------------ documents and binary logs


@pytest.fixture(scope="module")
def event_file(tmp_path_factory):
    """A tensorboardX event file: record k logs m<k> at step k."""
    from tensorboardX import SummaryWriter

    d = tmp_path_factory.mktemp("tb")
    with SummaryWriter(str(d)) as w:
        for k in range(N):
            w.add_scalar(f"m{k}", value(k), k, walltime=1.7e9 + k)
    return next(d.iterdir())


def _record_spans(blob: bytes) -> list[tuple[int, int]]:
    """(start, end) of each TFRecord in an event file (8-byte length, 4, data, 4)."""
    spans, p = [], 0
    while p + 12 <= len(blob):
        n = int.from_bytes(blob[p : p + 8], "little")
        spans.append((p, p + 16 + n))
        p += 16 + n
    return spans


@FUZZ
@given(data=st.data())
def test_tensorboard_truncated_and_bit_flipped(tmp_path, event_file, data):
    blob = bytearray(event_file.read_bytes())
    spans = _record_spans(bytes(blob))
    scalar_spans = spans[1:]  # the first record is the file version
    assert len(scalar_spans) == N
    hit = data.draw(st.integers(0, N - 1), label="record")
    a, b = scalar_spans[hit]
    i = data.draw(st.integers(a, b - 1), label="byte")
    blob[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    cut = data.draw(st.integers(b, len(blob)), label="cut")
    f = tmp_path / event_file.name
    f.write_bytes(bytes(blob[:cut]))
    got = records_of(f)
    keep = {k for k, (_, e) in enumerate(scalar_spans) if k != hit and e <= cut}
    if i >= a + 12:  # the length and its checksum intact: framing holds, one record lost
        assert_survive(got, keep)
    else:  # a corrupt length: the reader resynchronises; what came before survives
        assert_survive(got, {k for k in keep if k < hit})


DOCS = {
    "trainer_state.json": json.dumps(
        {
            "global_step": N,
            "log_history": [{"step": k, f"m{k}": value(k)} for k in range(N)],
        },
        indent=2,
    ),
    "history.json": json.dumps([{"step": k, f"m{k}": value(k)} for k in range(N)], indent=1),
    "wide.csv": "step,loss,reward\n" + "".join(f"{k},{value(k)},{k}\n" for k in range(N)),
    "export.csv": "Step,GRPO - seed1 - loss,GRPO - seed1 - loss__MIN\n"
    + "".join(f"{k},{value(k)},{value(k) - 0.1}\n" for k in range(N)),
    "train.log": "".join(
        f"{{'loss': {value(k)}, 'grad_norm': 1.5, 'epoch': {k / N:.3f}}}\n" for k in range(1, N)
    ),
}


@pytest.mark.parametrize("name", sorted(DOCS))
@FUZZ
@given(data=st.data())
def test_documents_damaged_anywhere_give_data_or_a_clear_error(tmp_path, name, data):
    """Formats read as a whole (a JSON document, a table): no crash, no hang, valid data."""
    raw = bytearray(DOCS[name].encode())
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "cut", "dup", "insert"]))
        i = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if op == "flip" and raw:
            raw[i] ^= 1 << data.draw(st.integers(0, 7))
        elif op == "cut":
            del raw[i:]
        elif op == "dup":
            raw[i:i] = raw[i : i + data.draw(st.integers(1, 5000))] * 50
        else:
            raw[i:i] = data.draw(st.sampled_from([b"\xff\xfe", b"[" * 3000, b"\x00", b"\r"]))
    (tmp_path / name).write_bytes(bytes(raw))
    records_of(tmp_path / name)  # RLExploreError or a valid Dataset


@pytest.mark.parametrize("name", sorted(DOCS))
def test_documents_intact_load_every_record(tmp_path, name):
    (tmp_path / name).write_text(DOCS[name])
    got = records_of(tmp_path / name)
    assert got is not None and len(got) >= N - 1


@pytest.fixture(scope="module")
def wandb_run_file(tmp_path_factory):
    """A real W&B offline run (``run-*.wandb``): row k logs m<k> at step k."""
    wandb = pytest.importorskip("wandb")
    root = tmp_path_factory.mktemp("wandb")
    env = {
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "WANDB_DIR": str(root),
        "WANDB_CONFIG_DIR": str(root / "config"),
        "WANDB_CACHE_DIR": str(root / "cache"),
        "WANDB_DISABLE_GIT": "true",
        "WANDB_CONSOLE": "off",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        run = wandb.init(project="p", name="fuzz", dir=str(root))
        for k in range(N):
            run.log({f"m{k}": value(k)}, step=k)
        run.finish()
        wandb.teardown()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return next(root.rglob("run-*.wandb"))


@FUZZ
@given(data=st.data())
def test_wandb_offline_truncated_and_bit_flipped(tmp_path, wandb_run_file, data):
    truth = records_of(wandb_run_file)
    assert {(f"m{k}", k) for k in range(N)} <= set(truth)
    blob = bytearray(wandb_run_file.read_bytes())
    for _ in range(data.draw(st.integers(0, 3), label="flips")):
        i = data.draw(st.integers(7, len(blob) - 1), label="byte")
        blob[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    cut = data.draw(st.integers(0, len(blob)), label="cut")
    shorter = data.draw(st.integers(0, cut), label="shorter cut")
    got = {}
    for n, name in ((shorter, "a"), (cut, "b")):
        d = tmp_path / name
        d.mkdir(exist_ok=True)
        (d / wandb_run_file.name).write_bytes(bytes(blob[:n]))
        got[name] = records_of(d / wandb_run_file.name) or {}
    for loaded in got.values():  # damage loses records, never invents or changes one
        assert all(truth.get(key) == pytest.approx(v, nan_ok=True) for key, v in loaded.items())
    assert set(got["a"]) <= set(got["b"])  # what a shorter prefix gives, a longer one keeps
