"""What ``rlexplore demo`` and ``view`` show: rlexplore.app builds the Explorer from $RLX_APP_SOURCE."""

import json
import sys

import pytest

from rlexplore.app import DEMO_VIEWS, SOURCE_ENV, app_explorer, source_env
from rlexplore.errors import RLExploreError


@pytest.mark.parametrize("name", sorted(DEMO_VIEWS))
def test_each_demo_opens_as_its_reference_chart(name, monkeypatch):
    monkeypatch.setenv(SOURCE_ENV, source_env(demo=name)[SOURCE_ENV])
    ex = app_explorer()
    assert ex.state.metrics == tuple(tuple(m) if isinstance(m, list) else m for m in DEMO_VIEWS[name].get(
        "metrics", ex.state.available_metrics))  # fmt: skip
    assert ex.columns == DEMO_VIEWS[name].get("columns", 4)


def test_the_methods_demo_is_titled_like_the_first_reference_chart():
    assert app_explorer({"demo": "methods"}).widget.children  # builds
    assert DEMO_VIEWS["methods"]["title"] == "sync_interval = 20"


def test_paths_are_made_absolute_and_a_source_needs_something(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert json.loads(source_env(paths=["logs"])[SOURCE_ENV]) == {"paths": [str(tmp_path / "logs")]}
    with pytest.raises(RLExploreError, match="neither a demo nor paths"):
        app_explorer({"paths": []})


def classes(widget) -> tuple[str, ...]:
    """A widget's CSS classes (ipywidgets keeps them in a trait without a public reader)."""
    return tuple(getattr(widget, "_dom_classes", ()))


def test_the_theme_goes_from_the_command_to_the_explorer_and_the_bar_switches_it():
    from rlexplore.app import THEMES, app_widget
    from rlexplore.views.theme import THEMES as VIEW_THEMES

    assert THEMES == VIEW_THEMES
    source = json.loads(source_env(demo="methods", theme="dark")[SOURCE_ENV])
    ex = app_explorer(source)
    assert ex.theme == "dark" and "rlx-theme-dark" in classes(ex.widget)
    page = app_widget(ex)
    assert ex.widget in page.children and "rlx-app" in classes(page)
    (switch,) = [w for bar in page.children for w in getattr(bar, "children", ()) if
                 "rlx-theme-switch" in classes(w)]  # fmt: skip
    assert switch.value == "dark"
    switch.value = "light"
    assert ex.theme == "light" and "rlx-theme-light" in classes(ex.widget)
    with pytest.raises(RLExploreError, match="unknown theme"):
        source_env(demo="methods", theme="sepia")


def test_voila_is_served_with_the_template_that_asks_no_cdn():
    from pathlib import Path

    from rlexplore.app import VOILA_TEMPLATE, voila_template_args, voila_template_env

    assert voila_template_args("auto") == [f"--template={VOILA_TEMPLATE}"]
    assert voila_template_args("dark")[-1] == "--theme=dark"
    first = voila_template_env({"JUPYTER_PATH": "/elsewhere"})["JUPYTER_PATH"].split(":")
    assert first[1] == "/elsewhere"
    folder = Path(first[0]) / "voila" / "templates" / VOILA_TEMPLATE
    page = (folder / "index.html.j2").read_text()
    assert json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
    # the two stylesheet links of Voila's own lab template are the ones removed
    lab = Path(sys.prefix) / "share/jupyter/voila/templates/lab/index.html.j2"
    if not lab.is_file():
        pytest.skip("voila is not installed in this environment")
    cdn = [line.strip() for line in lab.read_text().splitlines() if "cdn.jsdelivr" in line]
    assert len(cdn) == 2 and all(line in page for line in cdn)


def test_view_finds_the_samples_under_the_logs_by_itself(tmp_path):
    pytest.importorskip("pyarrow")
    from verl_dump import dump_generations

    run = tmp_path / "exp"
    for step in (1, 2):
        dump_generations(["Q"] * 2, ["A", "B"], ["g"] * 2, [0.5, 1.0], {}, run / "rollout", step)
    (run / "metrics.jsonl").write_text(
        "\n".join(json.dumps({"step": s, "critic/score/mean": s / 10}) for s in range(3)) + "\n"
    )
    ex = app_explorer({"paths": [str(tmp_path)]})
    try:
        assert ex.samples_view is not None
        ex.state.hover_step = 2
        assert ex.shown_samples()["completion"].tolist() == ["B", "A"]  # best first
        assert set(ex.shown_samples()["run"]) == {"exp"}
    finally:
        ex.close()
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "m.jsonl").write_text('{"step": 1, "loss": 0.5}\n')
    ex = app_explorer({"paths": [str(plain)]})
    assert ex.samples_view is None
    ex.close()


def test_view_without_pyarrow_shows_the_curves_and_says_why_there_are_no_samples():
    """TRL's samples need pyarrow (the `samples` extra): the view warns and still opens."""
    import subprocess
    from pathlib import Path

    trl = Path(__file__).resolve().parents[1] / "samples" / "data" / "trl"
    code = (
        "import sys, warnings; sys.modules['pyarrow'] = None  # as if not installed\n"
        "from rlexplore.app import app_explorer\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('always')\n"
        f"    ex = app_explorer({{'paths': [{str(trl)!r}]}})\n"
        "print(ex.samples_view is None, len(ex.data.run) > 0)\n"
        "print([str(w.message) for w in seen if 'samples not shown' in str(w.message)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.strip().splitlines()[-2:]
    assert first == "True True"
    assert "pip install 'rlexplore[samples]'" in second
