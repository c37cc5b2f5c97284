"""The Binder configuration is complete and the README's badge opens the quickstart in JupyterLab."""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"


def test_binder_installs_the_package_and_jupyter():
    requirements = (BINDER / "requirements.txt").read_text()
    for package in ("jupyterlab", "voila", "ipywidgets", "bqplot"):
        assert re.search(rf"^{package}\b", requirements, re.M), package
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK)
    assert re.search(
        r"pip install .*\"\.\[", post.read_text()
    )  # rlexplore itself, from the repository


def test_readme_badge_opens_the_quickstart_in_jupyterlab():
    readme = (ROOT / "README.md").read_text()
    badge = re.search(r"\[!\[Binder\]\(https://mybinder\.org/badge_logo\.svg\)\]\((https://mybinder\.org/v2/gh/[^)]+)\)",
                      readme)  # fmt: skip
    assert badge, "no Binder badge in the README"
    path = re.search(r"urlpath=lab/tree/([^&)]+)", badge.group(1)).group(1)
    assert (ROOT / path).is_file() and path == "notebooks/01-quickstart.ipynb"
