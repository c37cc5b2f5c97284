"""Bad input gives a Dataset with a report or an RLExploreError naming the file; fuzzing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rlexplore as rlx
from rlexplore.dataset import blocks as assemble
from rlexplore.dataset.blocks import Table
from rlexplore.io import tfrecord

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_missing_path_and_unknown_format(tmp_path):
    with pytest.raises(rlx.RLExploreError, match="no such file"):
        rlx.load(tmp_path / "nope")
    f = tmp_path / "notes.txt"
    f.write_text("hello\n")
    with pytest.raises(rlx.RLExploreError, match="notes.txt"):
        rlx.load(f)
    with pytest.raises(rlx.RLExploreError, match="unknown format"):
        rlx.load(f, format="parquet")


def test_empty_files(tmp_path):
    (tmp_path / "events.out.tfevents.1.host").write_bytes(b"")
    with pytest.raises(rlx.RLExploreError, match="events.out.tfevents.1.host"):
        rlx.load(tmp_path)
    (tmp_path / "m.jsonl").write_text('{"step": 1, "x": 2}\n')
    ds = rlx.load(tmp_path)  # the empty file is reported, the rest loads
    assert ds.sizes["run"] == 1
    notes = {f["path"]: f["notes"] for f in rlx.get_report(ds)["files"]}
    assert "empty file" in notes[str(tmp_path / "events.out.tfevents.1.host")]


def test_non_numeric_and_malformed_lines(tmp_path):
    f = tmp_path / "m.jsonl"
    f.write_text('{"step": 1, "x": "abc"}\n{"step": 2, "x": 1}\n{"step": 3, "x": ')
    ds = rlx.load(f)
    entry = rlx.get_report(ds)["files"][0]
    assert entry["skipped"] == {"non-numeric values": 1, "incomplete last line": 1}
    g = tmp_path / "bad.jsonl"
    g.write_text('{"step": 1, "x": "abc"}\n')
    with pytest.raises(rlx.RLExploreError, match="bad.jsonl"):
        rlx.load(g)


def test_report_prints(tmp_path, capsys):
    (tmp_path / "m.jsonl").write_text('{"step": 1, "x": 2}\n{"step": 1, "x": 3}\n')
    ds = rlx.load(tmp_path)
    rlx.report(ds)
    out = capsys.readouterr().out
    assert "m.jsonl [jsonl]" in out and "1 repeated steps resolved" in out


# ------------------------------------------------------------------ the shared builder


@st.composite
def long_tables(draw):
    n = draw(st.integers(1, 60))
    runs = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    metrics = draw(st.lists(st.sampled_from(["x", "y/z", "w"]), min_size=n, max_size=n))
    steps = draw(st.lists(st.integers(-3, 8), min_size=n, max_size=n))
    values = draw(
        st.lists(
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5).map(float)
            ),
            min_size=n,
            max_size=n,
        )
    )
    walls = draw(st.lists(st.floats(0, 1e9), min_size=n, max_size=n))
    return pd.DataFrame(
        {"run": runs, "metric": metrics, "step": steps, "value": values, "wall_time": walls}
    )


@FUZZ
@given(long_tables())
def test_builder_equals_from_columns(df):
    """Without restart handling the io builder gives exactly from_columns' Dataset."""
    ref = rlx.dataset.from_columns(df.run, df.metric, df.step, df.value, df.wall_time)
    names, blocks = [], []
    for run in pd.unique(df.run):
        part = df[df.run == run]
        metrics = list(pd.unique(part.metric))
        t = Table(
            run,
            run,
            metrics,
            part.metric.map(metrics.index).to_numpy(),
            part.step.to_numpy(),
            part.value.to_numpy(),
            part.wall_time.to_numpy(),
        )
        names.append(run)
        blocks.append(assemble.reduce_table(t, restarts=False))
    ds = assemble.assemble(names, blocks, {}, {})
    ref_build = rlx.get_report(ref)["build"]
    assert rlx.get_report(ds)["build"] == ref_build
    ds.attrs.clear()
    ref.attrs.clear()
    # metric order is per first appearance across runs in both
    assert ds.identical(ref.sel(metric=ds.metric.values)) or ds.identical(ref)


def test_superseded_mask_rule():
    m = np.array([0, 0, 0, 0, 0, 1, 1])
    s = np.array([1, 2, 3, 2, 3, 5, 4])
    mask = assemble.superseded_mask(m, s)
    assert mask.tolist() == [False, True, True, False, False, True, False]


# ------------------------------------------------------------------ fuzzing every parser


def _load_or_error(path):
    try:
        ds = rlx.load(path)
    except rlx.RLExploreError:
        return None
    rlx.validate(ds)
    return ds


@pytest.fixture(scope="module")
def sample_event_bytes(tmp_path_factory):
    from tensorboardX import SummaryWriter

    d = tmp_path_factory.mktemp("ev")
    with SummaryWriter(str(d)) as w:
        for s in range(8):
            w.add_scalar("a", s * 0.5, s)
            w.add_text("t", "x", s)
    return next(d.iterdir()).read_bytes()


@FUZZ
@given(st.binary(max_size=400))
def test_fuzz_event_parser_bytes(data):
    c_out = tfrecord.new_parser().feed(data, 0, True)
    py_out = tfrecord.PyEventParser().feed(data, 0, True)
    assert c_out[:2] == py_out[:2] and c_out[6] == py_out[6]


@FUZZ
@given(st.data())
def test_fuzz_mutated_event_file(tmp_path, sample_event_bytes, data):
    buf = bytearray(sample_event_bytes)
    for _ in range(data.draw(st.integers(1, 6))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(buf)))
    blob = bytes(buf[:cut])
    c = tfrecord.new_parser().feed(blob, 0, True)
    p = tfrecord.PyEventParser().feed(blob, 0, True)
    assert c[0] == p[0] and c[1] == p[1] and c[2:4] == p[2:4] and c[6] == p[6]
    f = tmp_path / "events.out.tfevents.123.host"
    f.write_bytes(blob)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rlx.RLExploreWarning)
        _load_or_error(f)


TEXT_SAMPLES = {
    "m.jsonl": '{"step": 1, "a": 1.5, "b": {"c": 2}}\n{"step": 2, "a": "3", "b": {"c": null}}\n',
    "m.json": '[{"step": 1, "a": 1}, {"step": 2, "a": 2}]',
    "m.csv": '"Step","r - a","r - a__MIN"\n"1","0.5","0.4"\n"2","","0.1"\n',
    "w.csv": "step,a,b\n1,2,3\n2,,4\n",
    "v.log": "(main_task pid=1) step:1 - a:0.5 - b(1e-4):2\nstep:2 - a:1\n",
    "h.log": "{'loss': '0.5', 'epoch': '0.1'}\n{'loss': '0.4', 'epoch': '0.2'}\n",
    "trainer_state.json": '{"global_step": 2, "log_history": [{"loss": 1, "step": 1}, '
    '{"loss": 0.5, "eval_loss": 2, "step": 2}]}',
}


@pytest.mark.parametrize("name", sorted(TEXT_SAMPLES))
def test_text_samples_load(tmp_path, name):
    f = tmp_path / name
    f.write_text(TEXT_SAMPLES[name])
    ds = rlx.load(f)
    assert ds.sizes["run"] == 1 and ds.sizes["step"] == 2


@pytest.mark.parametrize("name", sorted(TEXT_SAMPLES))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzz_mutated_text_formats(tmp_path, name, data):
    text = bytearray(TEXT_SAMPLES[name].encode())
    for _ in range(data.draw(st.integers(1, 5))):
        op = data.draw(st.integers(0, 2))
        i = data.draw(st.integers(0, len(text) - 1))
        if op == 0:
            text[i] = data.draw(st.integers(0, 255))
        elif op == 1:
            del text[i]
        else:
            text.insert(i, data.draw(st.sampled_from(b'{}[]",:\n\x00 -0.9e')))
    f = tmp_path / name
    f.write_bytes(bytes(text))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rlx.RLExploreWarning)
        _load_or_error(f)


@FUZZ
@given(st.binary(max_size=300))
def test_fuzz_arbitrary_bytes_any_format(tmp_path, data):
    import warnings

    for name in ("x.bin", "events.out.tfevents.1.h", "m.jsonl", "m.csv", "run-x.wandb", "m.db"):
        f = tmp_path / name
        f.write_bytes(data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rlx.RLExploreWarning)
            _load_or_error(f)
