"""Every notebook in notebooks/ is committed clean, says what it teaches, and runs top to bottom."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def code_sources(path: Path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def test_the_six_numbered_notebooks_exist():
    names = [p.stem for p in NOTEBOOKS]
    assert names[:6] == ["01-quickstart", "02-compare-methods", "03-training-dashboard", "04-dual-axis",
                         "05-smoothing-explained", "06-load-your-logs"]  # fmt: skip


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean_and_opens_with_what_it_teaches(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "what this notebook teaches" in first.source.lower()
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} has outputs"
    assert "widgets" not in nb.metadata  # no saved widget state either


def test_the_packaged_quickstart_is_notebook_01():
    from rlexplore.app import QUICKSTART_NOTEBOOK, template

    assert code_sources(template(QUICKSTART_NOTEBOOK)) == code_sources(ROOT / "notebooks" / "01-quickstart.ipynb")


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("MPLBACKEND", "Agg")
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    views = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if WIDGET_VIEW in o.get("data", {})]
    assert views, "the notebook displays no widget"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    models = {m["model_name"] for m in state.values()}
    assert {"FigureModel", "LinesModel"} <= models
    out = Path(os.environ.get("RLX_ARTIFACTS") or ROOT / "test-artifacts") / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / path.name)  # the executed copy, for people to read
    json.loads((out / path.name).read_text())
