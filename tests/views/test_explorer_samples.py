"""The samples view inside the explorer: hover, brush and findings choose the samples shown."""

import pandas as pd
import pytest

import rlexplore as rlx


def samples_of(ds, per_step=4, every=100):
    rows = []
    steps = ds.step.values
    for run in ds.run.values:
        for step in range(int(steps.min()), int(steps.max()) + 1, every):
            for i in range(per_step):
                rows.append(
                    {
                        "run": str(run),
                        "step": step,
                        "sample": i,
                        "prompt": f"question {i}",
                        "completion": f"{run} answer {i} at {step} <script>x</script>",
                        "reward": float(i) + step / 1000,
                    }
                )
    return pd.DataFrame(rows)


def samples_steps(explorer):
    return set(samples_of(explorer.data)["step"])


@pytest.fixture
def explorer():
    ds = rlx.demo("methods")
    ex = rlx.Explorer(ds, ["actor/entropy"], samples=samples_of(ds), findings=True)
    yield ex
    ex.close()


def test_without_samples_nothing_is_shown():
    ex = rlx.Explorer(rlx.demo("dashboard"))
    assert ex.samples_view is None
    assert ex.shown_samples().empty
    assert ex.state.sample_step is None


def test_hover_shows_the_nearest_logged_sample_step_of_the_shown_runs(explorer):
    logged = samples_steps(explorer)
    nearest = min(logged, key=lambda s: abs(s - 1234))
    explorer.state.hover_step = 1234
    shown = explorer.shown_samples()
    assert set(shown["step"]) == {nearest}
    assert explorer.state.sample_step == nearest
    assert set(shown["run"]) == set(explorer.state.shown_runs)
    explorer.state.visible_runs = ["GRPO"]
    assert set(explorer.shown_samples()["run"]) == {"GRPO"}


def test_best_samples_first(explorer):
    explorer.state.hover_step = 2000
    rewards = explorer.shown_samples()["reward"].tolist()
    assert rewards == sorted(rewards, reverse=True)


def test_a_brushed_range_shows_that_range(explorer):
    explorer.state.step_range = (1000, 1500)
    shown = explorer.shown_samples()
    assert not shown.empty
    assert shown["step"].between(1000, 1500).all()


def test_a_selected_finding_shows_its_samples_worst_and_best_first(explorer):
    findings = explorer.findings.findings
    assert len(findings)
    explorer.findings.select(0)
    f = findings.iloc[0]
    shown = explorer.shown_samples()
    assert not shown.empty
    assert set(shown["run"]) <= {f.run}
    assert shown["step"].min() >= f.first_step - 100
    assert shown["step"].max() <= f.last_step + 100


def test_model_output_reaches_the_page_escaped(explorer):
    explorer.state.hover_step = 500
    html = explorer.samples_view.body.value
    assert "answer" in html
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
