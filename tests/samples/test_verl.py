"""verl dumps: every row, exact text and scores, validation told apart, bad lines counted."""

from __future__ import annotations

import json
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from verl_dump import dump_generations, write_run

import rlexplore as rlx
from rlexplore.samples import samples_report


def test_every_row_with_exact_text_scores_and_extra_keys(tmp_path):
    written = write_run(tmp_path / "exp1")
    df = rlx.load_samples(tmp_path)
    assert set(df["run"]) == {"exp1"}
    for (split, step), (inputs, outputs, scores, extra) in written.items():
        rows = df[(df["split"] == split) & (df["step"] == step)].sort_values("sample")
        assert rows["prompt"].tolist() == inputs
        assert rows["completion"].tolist() == outputs
        assert rows["reward"].tolist() == scores
        assert rows["sample"].tolist() == list(range(len(inputs)))
        for key, values in extra.items():
            assert rows[key].tolist() == values
    assert len(df) == sum(len(v[0]) for v in written.values())
    assert df.columns[:6].tolist() == ["run", "step", "sample", "prompt", "completion", "reward"]
    assert df.columns[-2:].tolist() == ["split", "source"]


def test_run_names_match_rlx_load_of_the_same_tree(tmp_path):
    write_run(tmp_path / "a" / "exp", steps=(1,), validation=False)
    (tmp_path / "a" / "exp" / "metrics.jsonl").write_text(
        "\n".join(json.dumps({"step": s, "critic/score/mean": s / 10}) for s in range(5)) + "\n"
    )
    samples = rlx.load_samples(tmp_path)
    curves = rlx.load(tmp_path)
    assert set(samples["run"]) == {"a/exp"}
    assert "a/exp" in curves.run.values.tolist()


def test_rlx_load_reads_the_curves_not_the_dumps(tmp_path):
    """The dumps' per-sample scores are samples, not runs of metrics."""
    write_run(tmp_path / "exp", steps=(1, 2))
    (tmp_path / "exp" / "metrics.jsonl").write_text(
        "\n".join(json.dumps({"step": s, "critic/score/mean": s / 10}) for s in range(5)) + "\n"
    )
    curves = rlx.load(tmp_path)
    assert curves.run.values.tolist() == ["exp"]
    assert curves.metric.values.tolist() == ["critic/score/mean"]


def test_bad_lines_are_skipped_counted_and_warned_good_rows_kept(tmp_path):
    path = dump_generations(
        ["p1", "p2"], ["o1", "o2"], ["g", "g"], [1.0, 0.0], {}, tmp_path / "r" / "rollout", 7
    )
    with open(path, "a") as f:
        f.write("{not json}\n")
        f.write('["a list"]\n')
        f.write('{"input": "p3", "output": "o3", "score": 0.5, "step": 7}\n')
        f.write('{"input": "p4", "outp')  # killed mid-write
    with pytest.warns(rlx.RLExploreWarning, match="could not be read"):
        df = rlx.load_samples(tmp_path)
    assert df["completion"].tolist() == ["o1", "o2", "o3"]
    text = samples_report(df)
    assert "3 rows" in text and "malformed JSON lines" in text and "incomplete final lines" in text
    assert "not a sample" in text


def test_nothing_readable_is_an_error(tmp_path):
    with pytest.raises(rlx.RLExploreError, match="no samples found"):
        rlx.load_samples(tmp_path)
    d = tmp_path / "r" / "rollout"
    d.mkdir(parents=True)
    (d / "3.jsonl").write_text('{"output": 1, "step": "x"}\n{"output": 2}\n')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = rlx.load_samples(tmp_path)  # no step key: the file name's step
    assert df["step"].tolist() == [3, 3]
    (d / "3.jsonl").write_text("{broken\n")
    (d / "4.jsonl").write_text('{"output": "x", "broken\n')
    with pytest.raises(rlx.RLExploreError, match="no readable samples"):
        rlx.load_samples(tmp_path)


def test_unicode_survives(tmp_path):
    dump_generations(
        ["ça ✓ 你好"], ["🙂 — fin"], [None], [1.0], {}, tmp_path / "r" / "val_generations", 2
    )
    df = rlx.load_samples(tmp_path)
    assert df.loc[0, "prompt"] == "ça ✓ 你好" and df.loc[0, "completion"] == "🙂 — fin"
    assert df.loc[0, "split"] == "eval"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(
                st.just("good"),
                st.text(max_size=20),
                st.floats(allow_nan=False, allow_infinity=False),
            ),
            st.tuples(
                st.just("bad"), st.text(alphabet='{}[]":,xa1 \\\\', max_size=15), st.just(0.0)
            ),
        ),
        min_size=1,
        max_size=15,
    )
)
def test_garbage_lines_never_cost_a_good_row(lines):
    import tempfile
    from pathlib import Path

    good = [(text, score) for kind, text, score in lines if kind == "good"]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "run" / "rollout" / "5.jsonl"
        path.parent.mkdir(parents=True)
        out = []
        for kind, text, score in lines:
            if kind == "good":
                out.append(
                    json.dumps(
                        {"input": "p", "output": text, "score": score, "step": 5},
                        ensure_ascii=False,
                    )
                )
            else:
                out.append(text.replace("\n", " "))
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", rlx.RLExploreWarning)
            try:
                df = rlx.load_samples(d)
            except rlx.RLExploreError:
                assert not good
                return
    # a garbage line that happens to be a JSON sample is a sample: compare the good ones in order
    got = list(zip(df["completion"], df["reward"]))
    it = iter(got)
    assert all(any(g == x for x in it) for g in good)


def test_a_dump_with_no_sample_in_its_first_lines_is_reported_not_silently_dropped(tmp_path):
    dump_generations(["p"], ["o"], ["g"], [1.0], {}, tmp_path / "r" / "rollout", 1)
    (tmp_path / "r" / "rollout" / "2.jsonl").write_text(
        "garbage\n" * 25 + '{"output": "late", "step": 2}\n'
    )
    with pytest.warns(rlx.RLExploreWarning, match="2.jsonl: named like a samples file"):
        df = rlx.load_samples(tmp_path)
    assert df["completion"].tolist() == ["o"]
    assert "2.jsonl" in samples_report(df)
    (tmp_path / "r" / "rollout" / "1.jsonl").unlink()
    with pytest.raises(rlx.RLExploreError, match="passed over .*2.jsonl"):
        rlx.load_samples(tmp_path)
