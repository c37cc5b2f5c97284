"""What ``rlexplore demo`` and ``view`` show: rlexplore.app builds the Explorer from $RLX_APP_SOURCE."""

import json

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
