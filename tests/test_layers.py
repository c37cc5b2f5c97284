"""The layers below the views import neither ipywidgets nor bqplot."""

import subprocess
import sys

import pytest

LOWER_LAYERS = ["rlexplore", "rlexplore.dataset", "rlexplore.transforms", "rlexplore.demo"]


@pytest.mark.parametrize(
    "module",
    LOWER_LAYERS + ["rlexplore.io", "rlexplore.state", "rlexplore.live", "rlexplore.export"],
)
def test_lower_layers_do_not_import_widgets(module):
    code = (
        "import importlib, importlib.util, sys\n"
        f"if importlib.util.find_spec({module!r}) is None: sys.exit(3)\n"
        f"importlib.import_module({module!r})\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('bqplot', 'ipywidgets'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode == 3:
        pytest.skip(f"{module} does not exist yet")
    assert proc.returncode == 0, f"{module} imported widget modules: {proc.stdout}{proc.stderr}"
