"""``rlx.load(path, samples=True)``: the curves and the samples of one tree in one call."""

import json

import pytest

import rlexplore as rlx

pytest.importorskip("pyarrow")


def write_tree(root, steps=(1, 2)):
    from verl_dump import dump_generations

    run = root / "exp"
    for step in steps:
        dump_generations(
            [f"Q{i} <b>?</b>" for i in range(3)],
            [f"A{i}" for i in range(3)],
            ["g"] * 3,
            [0.1 * i + step for i in range(3)],
            {},
            run / "rollout",
            step,
        )
    lines = [json.dumps({"step": s, "critic/score/mean": s / 10}) for s in range(4)]
    (run / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return run


def test_without_samples_load_returns_the_dataset(tmp_path):
    write_tree(tmp_path)
    ds = rlx.load(tmp_path)
    assert ds.run.values.tolist() == ["exp"]


def test_samples_true_returns_the_curves_and_their_samples_under_the_same_run_names(tmp_path):
    write_tree(tmp_path)
    ds, samples = rlx.load(tmp_path, samples=True)
    assert ds.run.values.tolist() == ["exp"]
    assert set(samples["run"]) == {"exp"}
    assert sorted(samples["step"].unique().tolist()) == [1, 2]
    assert len(samples) == 6
    assert samples["prompt"].iloc[0].startswith("Q")


def test_a_tree_without_sample_files_gives_none(tmp_path):
    (tmp_path / "m.jsonl").write_text('{"step": 1, "loss": 0.5}\n')
    ds, samples = rlx.load(tmp_path, samples=True)
    assert samples is None
    assert ds.sizes["step"] == 1
