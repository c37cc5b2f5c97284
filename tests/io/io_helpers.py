"""Helpers for the loader tests: files written by the real writers (imported, not a conftest)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest


def write_tb(logdir: Path, scalars: dict[str, list[tuple[int, float]]], **kw) -> Path:
    """Write scalars with tensorboardX's SummaryWriter; returns the run directory."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(str(logdir), **kw) as w:
        rows = sorted((s, tag, v) for tag, pts in scalars.items() for s, v in pts)
        for s, tag, v in rows:
            w.add_scalar(tag, v, s, walltime=1.7e9 + s)
    return logdir


def tensor_scalar_summary(tag: str, value: float, dtype: str = "DT_FLOAT", first: bool = True):
    """A TF2-style scalar: a tensor summary of the scalars plugin (tensorboardX protos)."""
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

    if dtype == "DT_FLOAT":
        tensor = TensorProto(dtype="DT_FLOAT", float_val=[value], tensor_shape=TensorShapeProto())
    elif dtype == "DT_DOUBLE":
        tensor = TensorProto(dtype="DT_DOUBLE", double_val=[value], tensor_shape=TensorShapeProto())
    else:  # tensor_content, as TF writes it
        tensor = TensorProto(
            dtype="DT_FLOAT",
            tensor_content=np.float32(value).tobytes(),
            tensor_shape=TensorShapeProto(),
        )
    meta = (
        SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        if first
        else None
    )
    val = Summary.Value(tag=tag, tensor=tensor)
    if meta is not None:
        val.metadata.CopyFrom(meta)
    return Summary(value=[val])


@pytest.fixture
def offline_wandb(tmp_path, monkeypatch):
    """W&B in offline mode, writing under tmp_path, with no network."""
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WANDB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("WANDB_DISABLE_GIT", "true")
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    os.makedirs(tmp_path / "config", exist_ok=True)
    return tmp_path


@pytest.fixture(name="write_tb")
def _write_tb_fixture():
    return write_tb


@pytest.fixture(name="tensor_scalar")
def _tensor_scalar_fixture():
    return tensor_scalar_summary
