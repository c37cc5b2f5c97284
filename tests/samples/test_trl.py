"""TRL's GRPOTrainer samples, read from files TRL itself wrote (scripts/make_trl_samples.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import rlexplore as rlx
from rlexplore.samples import as_text, match_runs, open_samples, samples_report

DATA = Path(__file__).parent / "data" / "trl"
#: what make_trl_samples.py passes as GRPOConfig(reward_weights=...)
WEIGHTS = {"reward_len": 1.0, "reward_digit": 0.5}


def parquet_rows(run: str) -> pd.DataFrame:
    files = sorted((DATA / run / "completions").glob("completions_*.parquet"))
    return pd.concat([pq.read_table(f).to_pandas() for f in files], ignore_index=True)


@pytest.fixture(scope="module")
def samples():
    return rlx.load_samples(DATA)


@pytest.mark.parametrize("run", ["trl-text", "trl-chat"])
def test_every_row_with_exact_prompt_completion_rewards_and_step(samples, run):
    raw = parquet_rows(run)
    mine = samples[samples["run"] == run].reset_index(drop=True)
    assert len(mine) == len(raw) == 24
    assert mine["step"].tolist() == raw["step"].tolist()
    for col in ("reward_len", "reward_digit", "advantage"):
        np.testing.assert_array_equal(mine[col].to_numpy(), raw[col].to_numpy())
    for ours, theirs in zip(mine["completion"], raw["completion"]):
        if isinstance(theirs, str):
            assert ours == theirs
        else:  # chat: a list of {role, content} messages, kept as messages
            assert ours == [dict(m) for m in theirs]
    for ours, theirs in zip(mine["prompt"], raw["prompt"]):
        assert ours == (theirs if isinstance(theirs, str) else [dict(m) for m in theirs])
    assert mine["sample"].tolist() == [0, 1, 2, 3] * 6


def test_chat_messages_render_with_their_roles(samples):
    chat = samples[samples["run"] == "trl-chat"].iloc[0]
    assert chat["prompt"][0]["role"] == "user"
    assert as_text(chat["prompt"]).startswith("user: ")
    assert as_text(chat["completion"]).startswith("assistant: ")


def test_null_typed_extra_column_in_some_files_is_read(samples):
    # reward_digit logs 'parsed' as None on odd steps: those files hold a null-typed column
    assert (
        str(
            pq.read_schema(DATA / "trl-text/completions/completions_00003.parquet")
            .field("parsed")
            .type
        )
        == "null"
    )
    text = samples[samples["run"] == "trl-text"]
    assert text.loc[text["step"] == 3, "parsed"].isna().all()
    assert text.loc[text["step"] == 2, "parsed"].notna().any()


def test_eval_samples_told_apart_by_the_trainer_state(samples):
    text = samples[samples["run"] == "trl-text"]
    # eval_steps=2: TRL wrote steps 2, 4 and 6 from evaluation, over the training samples
    assert sorted(text.loc[text["split"] == "eval", "step"].unique()) == [2, 4, 6]
    assert set(text.loc[text["split"] == "train", "step"]) == {1, 3, 5}
    assert "evaluation samples over its training samples" in samples_report(samples)
    chat = samples[samples["run"] == "trl-chat"]
    assert set(chat["split"]) == {"train"}  # no evaluation in that run


def test_total_reward_is_trls_weighted_sum_when_weights_are_known(samples):
    text = samples[samples["run"] == "trl-text"]
    expected = (
        text["reward_len"] * WEIGHTS["reward_len"] + text["reward_digit"] * WEIGHTS["reward_digit"]
    )
    np.testing.assert_allclose(text["reward"], expected)
    # the chat run has no W&B config recording its weights: no total
    assert samples.loc[samples["run"] == "trl-chat", "reward"].isna().all()
    given = rlx.load_samples(
        DATA / "trl-chat", reward_weights={"reward_len": 2.0, "reward_digit": 0.0}
    )
    np.testing.assert_allclose(given["reward"], 2 * given["reward_len"])


def test_trls_logged_mean_reward_matches_the_weighted_sum(samples):
    import json

    history = json.loads((DATA / "trl-text/trainer_state.json").read_text())["log_history"]
    logged = {r["step"]: r["reward"] for r in history if "reward" in r}
    text = samples[(samples["run"] == "trl-text") & (samples["split"] == "train")]
    for step, rows in text.groupby("step"):
        assert rows["reward"].mean() == pytest.approx(logged[step], rel=1e-5)


def test_wandb_tables_are_read_with_train_and_eval_apart(samples):
    wb = samples[samples["run"] == "trl-text (e3wljxtf)"]
    assert set(wb.loc[wb["split"] == "train", "step"]) == set(range(1, 7))
    assert set(wb.loc[wb["split"] == "eval", "step"]) == {2, 4, 6}
    # the eval table of a step is the parquet file of that step (TRL overwrote it)
    pq_eval = samples[(samples["run"] == "trl-text") & (samples["split"] == "eval")]
    for step in (2, 4):
        a = wb[(wb["split"] == "eval") & (wb["step"] == step)]["completion"].tolist()
        assert a == pq_eval[pq_eval["step"] == step]["completion"].tolist()


def test_run_names_match_rlx_load(samples):
    curves = rlx.load(DATA)
    matched = match_runs(samples, curves)
    assert set(matched["run"]) <= set(curves.run.values.tolist())
    assert len(set(matched["run"])) == 3


def test_lazy_source_reads_only_what_is_asked_and_agrees(samples):
    src = open_samples(DATA)
    assert "completion" not in src.index.columns and len(src) == len(samples)
    rows = src.rows("trl-chat", [2, 5])
    expect = samples[(samples["run"] == "trl-chat") & samples["step"].isin([2, 5])]
    assert rows["completion"].tolist() == expect["completion"].tolist()
    assert rows["sample"].tolist() == expect["sample"].tolist()
    assert set(rows["source"]) == {
        str(DATA / f"trl-chat/completions/completions_0000{s}.parquet") for s in (2, 5)
    }


def test_a_corrupt_parquet_is_skipped_and_the_rest_kept(tmp_path):
    shutil.copytree(DATA / "trl-chat", tmp_path / "run")
    bad = tmp_path / "run/completions/completions_00003.parquet"
    bad.write_bytes(b"PAR1" + b"\0" * 50)
    with pytest.warns(rlx.RLExploreWarning, match="completions_00003"):
        df = rlx.load_samples(tmp_path)
    assert sorted(df["step"].unique()) == [1, 2, 4, 5, 6]
    assert "unreadable file" in samples_report(df)


def test_samples_for_names_runs_as_the_curves_and_is_none_without_samples(tmp_path):
    from rlexplore.samples import samples_for

    curves = rlx.load(DATA)
    attached = samples_for(curves, DATA)
    assert set(attached["run"]) <= set(curves.run.values.tolist())
    assert "trl-text/trainer_state" in set(attached["run"])
    (tmp_path / "m.jsonl").write_text('{"step": 1, "loss": 1.0}\n')
    assert samples_for(rlx.load(tmp_path), tmp_path) is None
