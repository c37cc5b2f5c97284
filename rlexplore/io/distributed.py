"""Load thousands of run directories in parallel on dask, from a laptop to a cluster.

The log tree is cut into *tasks*: a directory that holds a file is one task (loaded
whole, with :func:`rlexplore.load`); a directory that holds only directories is cut into
its children. Tasks run on a ``dask.distributed`` client (one passed in, or the current
default client) or, without one, on dask's default scheduler. Runs found by their folder
(TensorBoard, MLflow, W&B run folders) get the names ``rlexplore.load(root)`` gives: their
path relative to `root`. A run that ``load`` names from a file's name or content (CSV
exports, several logs in one folder) gets its folder's path as a prefix instead, as ``load``
sees one task's folder at a time; the values are the same.

With ``to="runs.zarr"`` each worker writes its runs to a part next to the store and
returns only a summary; the parts are then assembled into one chunked Zarr store, so
neither the workers nor the client hold more than one task's data (on a cluster, `to`
must be on storage every worker and the client can reach).
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import xarray as xr

from ..dataset import METRIC, set_report, validate
from ..dataset.blocks import Block, assemble, blocks_of
from ..dataset.report import LoadReport, load_report
from ..dataset.store import assemble_parts, open_zarr, write_part
from ..errors import RLExploreError, RLExploreWarning, missing_extra
from .core import load_dataset

_DOCUMENTS = (".md", ".rst", ".html", ".pdf", ".png", ".jpg", ".jpeg", ".svg", ".gif")


def partition(root: str | Path) -> list[Path]:
    """The tasks of a log tree: directories holding a file, or a file given directly.

    Documents (``README``, ``*.md``, pictures…) do not make a folder a task, so a root
    with a README next to its run directories is still cut into them.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for d in ("sweep/a", "sweep/b", "c"):
    ...     (root / d).mkdir(parents=True); _ = (root / d / "log.jsonl").write_text("")
    >>> [p.relative_to(root).as_posix() for p in partition(root)]
    ['c', 'sweep/a', 'sweep/b']
    """
    root = Path(root)
    if not root.exists():
        raise RLExploreError(f"{root} does not exist")
    if root.is_file():
        return [root]
    tasks, todo = [], [root]
    while todo:
        folder = todo.pop()
        entries = [e for e in os.scandir(folder) if not e.name.startswith(".")]
        if any(e.is_file() and not _is_document(e.name) for e in entries):
            tasks.append(folder)
        else:
            todo.extend(Path(e.path) for e in entries if e.is_dir())
    return sorted(tasks)


def _is_document(name: str) -> bool:
    """A README, a licence or a picture next to the runs: no log format reads these."""
    lower = name.lower()
    return lower.startswith(("readme", "license", "licence")) or lower.endswith(_DOCUMENTS)


def load_distributed(
    source: str | Path,
    *,
    client: Any = None,
    to: str | Path | None = None,
    **load_kwargs: Any,
) -> xr.Dataset:
    """Load a log tree with one dask task per run directory.

    Parameters
    ----------
    source : str or Path
        The root of the log tree.
    client : distributed.Client, optional
        Where the tasks run. Default: the current ``distributed`` client if there is
        one, else dask's default scheduler.
    to : str or Path, optional
        Write the result into this new Zarr store and return it opened lazily.
    **load_kwargs
        Passed to :func:`rlexplore.load` (``format=``, ``restarts=``, …).

    Returns
    -------
    xarray.Dataset
        The same runs, metrics and values as ``rlexplore.load(source)``.
    """
    root = Path(source)
    tasks = partition(root)
    load_kwargs.setdefault("workers", 1)  # the parallelism is dask's
    load_kwargs.setdefault("progress", False)  # no progress bars from the workers
    if to is None:
        results, skipped = _split(_run_all(client, _load_task, tasks, root, load_kwargs))
        ds = concat_runs(results)
        if skipped:
            rep = load_report(ds)
            rep.skipped_folders += skipped
            set_report(ds, rep)
        return ds

    store = Path(to).absolute()  # workers in other processes or machines see the same path
    if store.exists():
        raise RLExploreError(f"{store} exists; remove it or choose another path")
    parts_dir = store.with_name(store.name + ".parts")
    try:
        infos = _run_all(
            client, _load_and_write, tasks, root, {**load_kwargs, "_parts": str(parts_dir)}
        )
        infos, skipped = _split(infos)
        if skipped:
            infos[0]["report"].skipped_folders += skipped
        assemble_parts(infos, store)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return open_zarr(store)


def iter_runs(source: str | os.PathLike[str], **load_kwargs: Any) -> Iterator[xr.Dataset]:
    """Load a log tree one task (run directory) at a time, in order, named as by load."""
    root = Path(source)
    for task in partition(root):
        result = _load_task(task, root, load_kwargs)
        if isinstance(result, dict):  # a folder with nothing loadable
            _warn_skipped([result])
            continue
        yield result


def concat_runs(datasets: list[xr.Dataset]) -> xr.Dataset:
    """Join Datasets of distinct runs into one (outer join on metrics and steps).

    Built with the one builder (:func:`rlexplore.dataset.blocks.assemble`) from the
    parts' arrays; per-run coordinates missing from some Datasets become NaN (numbers)
    or ``""``, and the load reports are merged.
    """
    if not datasets:
        raise RLExploreError("no runs were loaded")
    names: list[str] = []
    blocks: list[Block] = []
    meta: dict[str, dict[str, Any]] = {}
    for ds in datasets:
        n, b, m = blocks_of(ds)
        names += n
        blocks += b
        meta.update(m)
    if len(set(names)) < len(names):
        dups = sorted({r for r in names if names.count(r) > 1})
        raise RLExploreError(f"run names must be unique across datasets; repeated: {dups[:10]}")
    metrics = list(dict.fromkeys(m for ds in datasets for m in ds[METRIC].values.tolist()))
    report = _merge([load_report(ds) for ds in datasets])
    out = assemble(names, blocks, meta, LoadReport(), metric_order=metrics)
    return validate(set_report(out, report))


def merge_reports(reports: list[dict[str, Any]]) -> dict[str, Any]:
    """One load report (as dicts) from many, by :meth:`LoadReport.merge`.

    Examples
    --------
    >>> a = {"files": [{"path": "a.jsonl", "format": "jsonl"}], "build": {"points": 2}}
    >>> b = {"files": [{"path": "b.jsonl", "format": "jsonl"}], "build": {"points": 4}}
    >>> merged = merge_reports([a, b])
    >>> [f["path"] for f in merged["files"]], merged["build"]["points"]
    (['a.jsonl', 'b.jsonl'], 6)
    """
    return _merge([LoadReport.from_dict(r) for r in reports]).as_dict()


def _merge(reports: list[LoadReport]) -> LoadReport:
    if not reports:
        return LoadReport()
    merged = reports[0]
    for rep in reports[1:]:
        merged = merged.merge(rep)
    return merged


def _load_task(task: Path, root: Path, load_kwargs: dict[str, Any]) -> xr.Dataset | dict[str, str]:
    """Load one task; a folder with nothing loadable gives ``{"path", "reason"}``."""
    kwargs = dict(load_kwargs)
    rename = _compose(_path_names(task, root), kwargs.pop("rename", None))
    try:
        return load_dataset(task, rename=rename, **kwargs)
    except RLExploreError as err:  # one bad folder must not sink thousands of good ones
        return {"path": str(task), "reason": str(err)}


def _path_names(task: Path, root: Path) -> Callable[[str], str] | None:
    """Names as ``load(root)`` gives them, for runs loaded by ``load(task)``."""
    rel = task.relative_to(root).as_posix()
    if rel == ".":
        return None
    # load(task) names the run in `task` after the folder and the runs below it
    # relative to it; prefixing gives the names that load(root) gives.
    prefix = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
    return lambda old: prefix + old if old == task.name else f"{rel}/{old}"


def _compose(first: Callable[[str], str] | None, user: Any) -> Any:
    """Apply the path naming, then the user's `rename` (a mapping or a function)."""
    if first is None or user is None:
        return user if first is None else first
    if isinstance(user, Mapping):
        return lambda old: user.get(first(old), first(old))
    return lambda old: user(first(old))


def _split(results: list) -> tuple[list, list[dict[str, str]]]:
    """Separate loaded results from skipped folders, and warn about the skipped ones."""
    skipped = [r for r in results if isinstance(r, dict) and "reason" in r]
    loaded = [r for r in results if not (isinstance(r, dict) and "reason" in r)]
    if not loaded:
        raise RLExploreError(
            "no runs were loaded:\n- " + "\n- ".join(s["reason"] for s in skipped[:10])
        )
    _warn_skipped(skipped)
    return loaded, skipped


def _warn_skipped(skipped: list[dict[str, str]]) -> None:
    worth_telling = [s for s in skipped if not _only_unknown_files(s["reason"])]
    if worth_telling:
        names = "; ".join(f"{s['path']}: {s['reason'].splitlines()[0]}" for s in worth_telling[:5])
        warnings.warn(
            f"{len(worth_telling)} folders gave no data ({names})", RLExploreWarning, stacklevel=4
        )


def _only_unknown_files(reason: str) -> bool:
    # rlexplore.load ignores files of no known format (a README, say) without a warning
    return "no known log format" in reason and reason.count("\n- ") == 1


def _load_and_write(task: Path, root: Path, load_kwargs: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(load_kwargs)
    parts = Path(kwargs.pop("_parts"))
    ds = _load_task(task, root, kwargs)
    if isinstance(ds, dict):
        return ds
    name = task.relative_to(root).as_posix().replace("/", "__") or "root"
    return write_part(ds, parts / f"{name}.zarr")


def _run_all(
    client: Any, fn: Callable, tasks: list[Path], root: Path, kwargs: dict[str, Any]
) -> list:
    """`fn(task, root, kwargs)` for every task, on `client` or dask's default scheduler."""
    client = client if client is not None else default_client()
    if client is not None:
        futures = client.map(fn, tasks, root=root, load_kwargs=kwargs, pure=False)
        return client.gather(futures)
    try:
        import dask
    except ImportError:  # pragma: no cover - dask is in the lazy extra
        raise missing_extra("dask", "lazy") from None
    return list(dask.compute(*(dask.delayed(fn)(t, root, kwargs) for t in tasks)))


def default_client() -> Any:
    """The running dask.distributed client, or None (none started, or dask not installed)."""
    try:
        from distributed import default_client as running_client
    except ImportError:
        return None
    try:
        return running_client()
    except ValueError:  # no client has been started
        return None
